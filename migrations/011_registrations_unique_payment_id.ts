import type { Knex } from 'knex';

/**
 * One registration per provider payment id within an organisation. Two
 * registrations with the same id made a payment land on whichever the lookup
 * found first, so the one actually being paid could stay unpaid.
 */
export async function up(knex: Knex): Promise<void> {
  const duplicates = await knex('registrations')
    .whereNotNull('provider_payment_id')
    .groupBy('organisation_id', 'provider_payment_id')
    .havingRaw('count(*) > 1')
    .select('organisation_id', 'provider_payment_id')
    .limit(10);
  if (duplicates.length > 0) {
    const listed = duplicates.map((row: { organisation_id: string; provider_payment_id: string }) => `${row.organisation_id}/${row.provider_payment_id}`).join(', ');
    throw new Error(`Registrations share a provider_payment_id (${listed}); clear it on all but one of each before migrating`);
  }
  await knex.raw(
    'CREATE UNIQUE INDEX registrations_organisation_payment_id_unique ON registrations (organisation_id, provider_payment_id) WHERE provider_payment_id IS NOT NULL',
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS registrations_organisation_payment_id_unique');
}
