import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('events', (t) => {
    t.text('id').primary();
    t.text('organisation_id').notNullable().references('organisations.id').onDelete('CASCADE');
    t.text('name').notNullable();
    t.specificType('currency', 'char(3)').notNullable();
    // AES-256-GCM sealed JSON array of Razorpay webhook secrets; null when Razorpay is not set up.
    t.text('razorpay_webhook_secrets');
    t.timestamps(true, true);
    t.index(['organisation_id']);
  });
  await knex.schema.createTable('payment_connections', (t) => {
    t.text('id').primary();
    t.text('organisation_id').notNullable().references('organisations.id').onDelete('CASCADE');
    t.text('provider').notNullable().checkIn(['stripe']);
    // AES-256-GCM sealed JSON array; several secrets let a secret rotate without losing deliveries.
    t.text('webhook_secrets').notNullable();
    t.boolean('livemode').notNullable();
    t.timestamps(true, true);
    t.index(['organisation_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('payment_connections');
  await knex.schema.dropTable('events');
}
