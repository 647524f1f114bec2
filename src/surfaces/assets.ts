import { Router } from 'express';
import path from 'node:path';

/** The stylesheet and htmx come from their npm packages, served by the app itself: no CDN, no build step. */
const packageDir = (name: string): string => path.dirname(require.resolve(`${name}/package.json`));

const files: Record<string, { file: string; type: string }> = {
  'pico.css': {
    file: path.join(packageDir('@picocss/pico'), 'css', 'pico.classless.min.css'),
    type: 'text/css',
  },
  'htmx.js': { file: path.join(packageDir('htmx.org'), 'dist', 'htmx.min.js'), type: 'text/javascript' },
  'surfaces.css': { file: path.join(__dirname, 'assets', 'surfaces.css'), type: 'text/css' },
};

export function assetsRouter(): Router {
  const router = Router();
  router.get('/assets/:name', (req, res, next) => {
    const asset = files[req.params.name];
    if (!asset) {
      next();
      return;
    }
    res.type(asset.type).setHeader('Cache-Control', 'public, max-age=3600');
    res.sendFile(asset.file, (error) => {
      if (error) next(error);
    });
  });
  return router;
}
