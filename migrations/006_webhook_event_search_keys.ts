import type { Knex } from 'knex';

/** Search keys extracted at ingestion, so "find the webhooks for pay_XYZ or jane@example.com" is one indexed query. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('webhook_events', (t) => {
    // Lower-cased payment, order, refund, subscription, customer and registration ids and customer emails.
    t.specificType('search_keys', 'text[]').notNullable().defaultTo('{}');
    t.index(['organisation_id', 'received_at']);
  });
  await knex.raw('CREATE INDEX webhook_events_search_keys_gin ON webhook_events USING gin (search_keys)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS webhook_events_search_keys_gin');
  await knex.schema.alterTable('webhook_events', (t) => {
    t.dropIndex(['organisation_id', 'received_at']);
    t.dropColumn('search_keys');
  });
}
