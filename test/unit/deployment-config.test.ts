import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import {
  configSchema,
  ConfigError,
  hostAndPort,
  loadConfig,
  loadEngineSettings,
  logFormatOf,
} from '../../src/config';

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

  const minimal = {
    DATABASE_URL: 'postgres://x@y/z',
    SMTP_URL: 'smtp://localhost:1025',
    SANDBOX_WEBHOOK_SECRET: 'a-sandbox-secret-of-length',
    // Required in production: the emails' portal links are signed with it.
    PORTAL_LINK_SECRET: 'a-portal-link-secret-of-32-characters',
  };

  test('the API binds loopback unless told otherwise, and the image and compose file say 0.0.0.0', () => {
    expect(loadConfig(minimal).API_HOST).toBe('127.0.0.1');
    expect(compose.services.api?.environment?.API_HOST).toBe('0.0.0.0');
    expect(readFileSync(path.join(root, 'Dockerfile'), 'utf8')).toMatch(/^ENV API_HOST=0\.0\.0\.0$/m);
  });

  test('logs are readable lines in development and JSON elsewhere, unless LOG_FORMAT says', () => {
    expect(logFormatOf(loadConfig(minimal))).toBe('pretty');
    expect(logFormatOf(loadConfig({ ...minimal, NODE_ENV: 'production' }))).toBe('json');
    expect(logFormatOf(loadConfig({ ...minimal, NODE_ENV: 'test' }))).toBe('json');
    expect(logFormatOf(loadConfig({ ...minimal, LOG_FORMAT: 'json' }))).toBe('json');
    expect(logFormatOf(loadConfig({ ...minimal, NODE_ENV: 'production', LOG_FORMAT: 'pretty' }))).toBe(
      'pretty',
    );
    expect(() => loadConfig({ ...minimal, LOG_FORMAT: 'xml' })).toThrow(/LOG_FORMAT/);
  });

  test('a workflow task waits 10 minutes on its sticky queue unless WORKER_STICKY_TIMEOUT_MS says, at most an hour', () => {
    expect(loadConfig(minimal).WORKER_STICKY_TIMEOUT_MS).toBe(600_000);
    expect(loadConfig({ ...minimal, WORKER_STICKY_TIMEOUT_MS: '3600000' }).WORKER_STICKY_TIMEOUT_MS).toBe(
      3_600_000,
    );
    for (const wrong of ['999', '3600001', 'ten minutes'])
      expect(() => loadConfig({ ...minimal, WORKER_STICKY_TIMEOUT_MS: wrong })).toThrow(
        /WORKER_STICKY_TIMEOUT_MS/,
      );
  });

  test("the workflow watchdog stays on at the SDK's 5 s unless WORKER_WORKFLOW_WATCHDOG_MS says; 0 turns it off", () => {
    expect(loadConfig(minimal).WORKER_WORKFLOW_WATCHDOG_MS).toBe(5_000);
    expect(loadConfig({ ...minimal, WORKER_WORKFLOW_WATCHDOG_MS: '0' }).WORKER_WORKFLOW_WATCHDOG_MS).toBe(0);
    for (const wrong of ['-1', '60001', '1.5', 'off'])
      expect(() => loadConfig({ ...minimal, WORKER_WORKFLOW_WATCHDOG_MS: wrong })).toThrow(
        /WORKER_WORKFLOW_WATCHDOG_MS/,
      );
  });

  test("npm start's SMTP catcher keeps the newest 1,000 emails unless SMTP_CATCHER_KEEP says", () => {
    expect(loadEngineSettings({}).SMTP_CATCHER_KEEP).toBe(1_000);
    expect(loadEngineSettings({ SMTP_CATCHER_KEEP: '50' }).SMTP_CATCHER_KEEP).toBe(50);
    for (const wrong of ['0', '-1', '2.5', 'all'])
      expect(() => loadEngineSettings({ SMTP_CATCHER_KEEP: wrong })).toThrow(/SMTP_CATCHER_KEEP/);
  });

  test('METRICS_BIND is a host and port, IPv6 in brackets', () => {
    expect(hostAndPort(loadConfig({ ...minimal, METRICS_BIND: '10.0.0.5:9464' }).METRICS_BIND ?? '')).toEqual(
      {
        host: '10.0.0.5',
        port: 9464,
      },
    );
    expect(hostAndPort('[::1]:9464')).toEqual({ host: '::1', port: 9464 });
    expect(loadConfig({ ...minimal, METRICS_BIND: '[::1]:9464' }).METRICS_BIND).toBe('[::1]:9464');
    for (const wrong of ['9464', 'localhost', 'localhost:99999', '::1:9464'])
      expect(() => loadConfig({ ...minimal, METRICS_BIND: wrong })).toThrow(/METRICS_BIND/);
  });
});
