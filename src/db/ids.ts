import { randomBytes } from 'node:crypto';

/**
 * Public ids carry a type prefix (as the API's `sub_…` already does) so a misplaced id is obvious in logs and
 * is rejected by the prefix checks instead of matching a row of another table.
 */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('hex')}`;
}
