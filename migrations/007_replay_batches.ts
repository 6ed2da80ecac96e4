import type { Knex } from 'knex';

/** Batches of replayed webhook events, so a bulk replay can be followed to the end. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('replay_batches', (t) => {
    t.text('id').primary();
    t.text('organisation_id').notNullable().references('organisations.id').onDelete('CASCADE');
    // The filter the batch was selected by, as the API received it.
    t.jsonb('filter').notNullable();
    t.integer('total').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.schema.alterTable('webhook_events', (t) => {
    t.text('replay_batch_id').references('replay_batches.id').onDelete('SET NULL');
    t.integer('replay_count').notNullable().defaultTo(0);
    t.index(['replay_batch_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('webhook_events', (t) => {
    t.dropColumn('replay_batch_id');
    t.dropColumn('replay_count');
  });
  await knex.schema.dropTable('replay_batches');
}
