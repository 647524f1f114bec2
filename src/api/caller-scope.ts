/** Who is calling: a secret key acts on everything, a portal session on one customer's own resources. */
export type CallerScope = { kind: 'secret' } | { kind: 'portal'; customerId: string };
