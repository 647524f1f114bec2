/** The movement columns of a report bucket in which nothing of their kind happened; an expected row overrides. */
export const QUIET_MOVEMENTS = {
  new_mrr: 0,
  new_count: 0,
  expansion_mrr: 0,
  expansion_count: 0,
  contraction_mrr: 0,
  contraction_count: 0,
  churn_mrr: 0,
  churn_count: 0,
  reactivation_mrr: 0,
  reactivation_count: 0,
  trial_starts: 0,
  trial_conversions: 0,
  trial_conversion_rate: null,
  dunning_recovered: 0,
  dunning_lost: 0,
  dunning_recovery_rate: null,
  dunning_recovered_amount: 0,
};

/** A monthly bucket's label and bounds, as the reports answer them (UTC midnights). */
export const month = (label: string, start: string, end: string) => ({
  period: label,
  period_start: `${start}T00:00:00.000Z`,
  period_end: `${end}T00:00:00.000Z`,
});
