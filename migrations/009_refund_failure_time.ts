import type { Knex } from 'knex';

/** The time a refund was reported failed, so a failure after a `charge.refunded` total is taken out of that total. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('refunds', (t) => {
    // `created` time (Unix seconds) of the event that reported the refund failed or canceled.
    t.bigInteger('failed_event_created');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('refunds', (t) => {
    t.dropColumn('failed_event_created');
  });
}
