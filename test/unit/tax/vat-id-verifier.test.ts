import { loadConfig } from '../../../src/config';
import { createVatIdVerifier, NoopVatIdVerifier, ViesVatIdVerifier } from '../../../src/tax';

const required = {
  DATABASE_URL: 'postgres://x@localhost/y',
  SMTP_URL: 'smtp://localhost:1025',
  SANDBOX_WEBHOOK_SECRET: 'a-secret-of-16-chars',
};

describe('VAT id verifier configuration', () => {
  test('is off by default: the no-op verifier accepts every id without a network call', async () => {
    const config = loadConfig(required);
    expect(config).toMatchObject({ VAT_ID_VERIFIER: 'none', VIES_TIMEOUT_MS: 10_000 });
    const verifier = createVatIdVerifier(config);
    expect(verifier).toBeInstanceOf(NoopVatIdVerifier);
    await expect(verifier.verify('DE123456789')).resolves.toEqual({ valid: true });
  });

  test('VAT_ID_VERIFIER=vies turns on the VIES adapter at the configured URL', () => {
    const verifier = createVatIdVerifier(
      loadConfig({
        ...required,
        VAT_ID_VERIFIER: 'vies',
        VIES_URL: 'http://127.0.0.1:9/vies',
        VIES_TIMEOUT_MS: '500',
      }),
    );
    expect(verifier).toBeInstanceOf(ViesVatIdVerifier);
    expect(verifier.name).toBe('vies');
  });

  test('an unknown verifier or a malformed URL is reported by name', () => {
    expect(() => loadConfig({ ...required, VAT_ID_VERIFIER: 'always' })).toThrow(/VAT_ID_VERIFIER/);
    expect(() => loadConfig({ ...required, VAT_ID_VERIFIER: 'vies', VIES_URL: 'not a url' })).toThrow(
      /VIES_URL/,
    );
  });
});
