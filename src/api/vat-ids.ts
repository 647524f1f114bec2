import type { z } from 'zod';
import { vatIdProblem, wellFormedVatIdPrefix } from '../domain/vat-ids';
import { VatIdVerificationUnavailable, type VatIdVerifier } from '../tax';
import { AppError } from './errors';

/**
 * For a body that carries a party's `country` and `vat_id` (a customer, the seller): the id must be well formed for
 * the country (domain/vat-ids). Added as a refinement so the 400 names `vat_id` like every other field error.
 */
export function refineVatIdForCountry(
  body: { country?: unknown; vat_id?: unknown },
  ctx: z.RefinementCtx,
): void {
  if (typeof body.country !== 'string' || typeof body.vat_id !== 'string') return;
  const problem = vatIdProblem(body.vat_id, body.country);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', path: ['vat_id'], message: problem });
}

/** The same check for an update, where the country may be the stored one: a 400 naming `vat_id`. */
export function assertVatIdForCountry(vatId: string | null | undefined, country: string): void {
  const problem = vatId ? vatIdProblem(vatId, country) : undefined;
  if (problem !== undefined) {
    throw new AppError('invalid_request_error', 'invalid_parameter', `vat_id: ${problem}`, 'vat_id');
  }
}

/**
 * Asks the configured verifier (VIES, when turned on) whether a newly given VAT id is registered. Only ids with an
 * EU or XI format are asked about: VIES knows no others. A "no" is the caller's 400; an outage is a 503 to retry.
 */
export async function assertVatIdRegistered(
  verifier: VatIdVerifier,
  vatId: string | null | undefined,
): Promise<void> {
  if (!vatId || wellFormedVatIdPrefix(vatId) === undefined) return;
  let verification;
  try {
    verification = await verifier.verify(vatId);
  } catch (error) {
    if (error instanceof VatIdVerificationUnavailable) {
      throw new AppError(
        'service_unavailable',
        'vat_id_verification_unavailable',
        `The VAT id could not be verified now (${verifier.name}: ${error.message}); retry with the same Idempotency-Key`,
      );
    }
    throw error;
  }
  if (!verification.valid) {
    throw new AppError(
      'invalid_request_error',
      'vat_id_not_registered',
      `vat_id: ${vatId} is not a registered VAT id (${verifier.name})`,
      'vat_id',
    );
  }
}
