/**
 * Checking that a VAT id is registered (not only well formed) needs the member state's register, which VIES, the
 * European Commission's VAT Information Exchange System, answers for. It is I/O, so it sits behind this interface
 * and runs at the API's edge before a VAT id is stored; the billing domain only ever sees ids that passed.
 */
export type VatIdVerification = {
  valid: boolean;
  /** The registered trader's name and address, where the member state discloses them. */
  name?: string;
  address?: string;
};

export interface VatIdVerifier {
  /** `none` or `vies`: shown in logs and errors. */
  readonly name: string;
  /**
   * Whether the (well-formed) VAT id is registered. Throws `VatIdVerificationUnavailable` when the service cannot
   * answer now: that is not a "no".
   */
  verify(vatId: string): Promise<VatIdVerification>;
}

export class VatIdVerificationUnavailable extends Error {
  override readonly name = 'VatIdVerificationUnavailable';
}

/** The default: every well-formed id is accepted without asking anyone (no network, no dependency on VIES). */
export class NoopVatIdVerifier implements VatIdVerifier {
  readonly name = 'none';

  async verify(): Promise<VatIdVerification> {
    return { valid: true };
  }
}
