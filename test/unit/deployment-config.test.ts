import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { configSchema, ConfigError, loadConfig } from '../../src/config';

const root = path.resolve(__dirname, '..', '..');
const configKeys = Object.keys(configSchema.shape).sort();

interface ComposeService {
  build?: string;
  command?: string[];
  environment?: Record<string, string | number>;
}

const compose = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
};
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');

describe('deployment configuration', () => {
  test('docker-compose.yml runs PostgreSQL, Temporal, its Web UI, an SMTP catcher, and our API and worker', () => {
    expect(Object.keys(compose.services)).toEqual(
      expect.arrayContaining(['postgresql', 'temporal', 'temporal-ui', 'smtp', 'api', 'worker', 'migrate']),
    );
    expect(compose.services.api?.command).toEqual(['npm', 'run', 'api']);
    expect(compose.services.worker?.command).toEqual(['npm', 'run', 'worker']);
    expect(compose.services.api?.build).toBe('.');
    expect(compose.services.worker?.build).toBe('.');
  });

  test.each(['api', 'worker', 'migrate'])(
    'the %s service sets only documented variables, and they parse as a valid configuration',
    (name) => {
      const environment = compose.services[name]?.environment ?? {};
      expect(Object.keys(environment).filter((key) => !configKeys.includes(key))).toEqual([]);
      const env = Object.fromEntries(Object.entries(environment).map(([key, value]) => [key, String(value)]));
      expect(() => loadConfig(env)).not.toThrow();
    },
  );

  test('the README configuration table documents every variable of the configuration schema', () => {
    const documented = [...readme.matchAll(/^\|\s*`([A-Z_]+)`\s*\|/gm)].map((match) => match[1]);
    expect(configKeys.filter((key) => !documented.includes(key))).toEqual([]);
  });

  test('a missing or malformed variable is reported by name', () => {
    expect(() => loadConfig({ SMTP_URL: 'smtp://localhost:1025' })).toThrow(ConfigError);
    expect(() => loadConfig({ SMTP_URL: 'smtp://localhost:1025' })).toThrow(/DATABASE_URL/);
    expect(() => loadConfig({ DATABASE_URL: 'postgres://x@y/z', SMTP_URL: 'not a url' })).toThrow(/SMTP_URL/);
  });
});
