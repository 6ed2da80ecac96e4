import type { Knex } from 'knex';

/** The transaction and tenant a domain event is applied in. */
export interface ApplyContext {
  trx: Knex.Transaction;
  /** Organisation the delivery was addressed to; null on the development route, which matches any. */
  organisationId: string | null;
}

/** True when a row owned by `ownerId` may be touched by an event addressed to `ctx`. */
export function inScope(ctx: ApplyContext, ownerId: string): boolean {
  return ctx.organisationId === null || ctx.organisationId === ownerId;
}
