import { normalizeVatId } from '../domain/vat-ids';
import { VatIdVerificationUnavailable, type VatIdVerification, type VatIdVerifier } from './vat-id-verifier';

export type ViesOptions = {
  /** Base URL of the VIES REST API, e.g. https://ec.europa.eu/taxation_customs/vies/rest-api */
  baseUrl: string;
  timeoutMs: number;
};

/** VIES writes this where a member state does not disclose the trader's name or address. */
const UNDISCLOSED = /^-+$/;

function disclosed(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' || UNDISCLOSED.test(trimmed) ? undefined : trimmed;
}

/**
 * The European Commission's VIES REST service: `POST <base>/check-vat-number` with the prefix (`EL` for Greece, `XI`
 * for Northern Ireland) and the number. A member state that is down, a timeout or a throttled request is
 * "unavailable", never "invalid"; VIES reports those as an error body instead of `valid`.
 */
export class ViesVatIdVerifier implements VatIdVerifier {
  readonly name = 'vies';

  constructor(private readonly options: ViesOptions) {}

  async verify(vatId: string): Promise<VatIdVerification> {
    const normalized = normalizeVatId(vatId);
    const url = `${this.options.baseUrl.replace(/\/+$/, '')}/check-vat-number`;
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ countryCode: normalized.slice(0, 2), vatNumber: normalized.slice(2) }),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      throw new VatIdVerificationUnavailable(`VIES did not answer: ${(error as Error).message}`);
    }
    const body: unknown = await response.json().catch(() => undefined);
    const answer = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    if (!response.ok || typeof answer.valid !== 'boolean') {
      const wrappers = Array.isArray(answer.errorWrappers) ? answer.errorWrappers : [];
      const codes = wrappers
        .map((wrapper: unknown) =>
          typeof wrapper === 'object' && wrapper !== null
            ? (wrapper as { error?: unknown }).error
            : undefined,
        )
        .filter((code): code is string => typeof code === 'string');
      throw new VatIdVerificationUnavailable(
        `VIES could not check the id (HTTP ${response.status}${codes.length > 0 ? `, ${codes.join(', ')}` : ''})`,
      );
    }
    const name = disclosed(answer.name);
    const address = disclosed(answer.address);
    return {
      valid: answer.valid,
      ...(name === undefined ? {} : { name }),
      ...(address === undefined ? {} : { address }),
    };
  }
}
