import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('subscriptions', (t) => {
    t.bigIncrements('id');
    // Null when the event arrived on the development route, which belongs to no organisation.
    t.text('organisation_id').references('organisations.id').onDelete('CASCADE');
    t.text('provider').notNullable().checkIn(['stripe', 'razorpay']);
    t.text('provider_subscription_id').notNullable();
    // The provider's own status word (`active`, `past_due`, `canceled`, `halted`, ...); null until a subscription event arrives.
    t.text('status');
    t.text('plan');
    t.text('customer_id');
    t.timestamp('current_period_end', { useTz: true });
    t.boolean('cancel_at_period_end').notNullable().defaultTo(false);
    // Provider `created` time (Unix seconds) of the newest subscription event applied; older ones change nothing.
    t.bigInteger('last_event_created').notNullable().defaultTo(0);
    t.text('latest_invoice_id');
    t.text('latest_invoice_status');
    t.bigInteger('last_invoice_event_created').notNullable().defaultTo(0);
    t.timestamps(true, true);
  });
  await knex.raw(
    "CREATE UNIQUE INDEX subscriptions_provider_id_unique ON subscriptions (provider, provider_subscription_id, coalesce(organisation_id, ''))",
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('subscriptions');
}
