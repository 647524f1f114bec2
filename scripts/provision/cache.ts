import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';

/** Project root: scripts live two levels below it. */
export const projectRoot = path.resolve(__dirname, '..', '..');

/** Downloads and builds (Temporal CLI, test server) are cached here, ignored by git. */
export function cacheDir(): string {
  return process.env.PERENNIAL_CACHE_DIR ?? path.join(projectRoot, '.cache');
}

/** Runtime state of `npm start` (Temporal database file, PostgreSQL data) lives here so restarts resume. */
export function stateDir(): string {
  return process.env.PERENNIAL_STATE_DIR ?? path.join(cacheDir(), 'state');
}

export async function ensureDir(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  return dir;
}

/** Where downloads are not possible, every provisioning step must say so instead of hanging on the network. */
export function downloadsAllowed(): boolean {
  return process.env.PERENNIAL_NO_DOWNLOAD !== '1';
}

export class ProvisionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProvisionError';
  }
}

export function findOnPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, command);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}
