import type { Config } from '../config';
import { NoopVatIdVerifier, type VatIdVerifier } from './vat-id-verifier';
import { ViesVatIdVerifier } from './vies';

export * from './vat-id-verifier';
export { ViesVatIdVerifier } from './vies';

/** The verifier the configuration asks for: none by default, VIES with `VAT_ID_VERIFIER=vies`. */
export function createVatIdVerifier(
  config: Pick<Config, 'VAT_ID_VERIFIER' | 'VIES_URL' | 'VIES_TIMEOUT_MS'>,
): VatIdVerifier {
  return config.VAT_ID_VERIFIER === 'vies'
    ? new ViesVatIdVerifier({ baseUrl: config.VIES_URL, timeoutMs: config.VIES_TIMEOUT_MS })
    : new NoopVatIdVerifier();
}
