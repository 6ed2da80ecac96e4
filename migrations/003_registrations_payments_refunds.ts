import type { Knex } from 'knex';

// Money columns are integers in the currency's minor unit, with the ISO code beside them.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('registrations', (t) => {
    t.text('id').primary();
    t.text('organisation_id').notNullable().references('organisations.id').onDelete('CASCADE');
    t.text('event_id').notNullable().references('events.id').onDelete('CASCADE');
    t.text('email').notNullable();
    t.text('name').notNullable();
    t.bigInteger('amount_due').notNullable();
    t.specificType('currency', 'char(3)').notNullable();
    t.text('status')
      .notNullable()
      .defaultTo('pending_payment')
      .checkIn(['pending_payment', 'confirmed', 'payment_failed', 'underpaid', 'refunded', 'cancelled']);
    t.bigInteger('amount_paid').notNullable().defaultTo(0);
    t.bigInteger('amount_refunded').notNullable().defaultTo(0);
    // A provider reference known when the registration is created: a Stripe PaymentIntent or Razorpay order id.
    t.text('provider_payment_id');
    t.timestamps(true, true);
    t.index(['organisation_id', 'event_id']);
    t.index(['provider_payment_id']);
  });
  await knex.raw('ALTER TABLE registrations ADD CONSTRAINT registrations_amount_due_check CHECK (amount_due >= 0)');

  await knex.schema.createTable('payments', (t) => {
    t.bigIncrements('id');
    t.text('organisation_id').notNullable().references('organisations.id').onDelete('CASCADE');
    t.text('registration_id').notNullable().references('registrations.id').onDelete('CASCADE');
    t.text('provider').notNullable().checkIn(['stripe', 'razorpay']);
    // Stripe PaymentIntent id or Razorpay payment id.
    t.text('provider_payment_id').notNullable();
    t.text('provider_order_id');
    t.text('status').notNullable().checkIn(['pending', 'succeeded', 'failed']);
    t.bigInteger('amount').notNullable();
    t.specificType('currency', 'char(3)').notNullable();
    // Sum of this payment's distinct succeeded refunds, or the charge's reported total when that is larger.
    t.bigInteger('amount_refunded').notNullable().defaultTo(0);
    // Cumulative refunded total from the newest `charge.refunded` seen, and that event's `created` time (Unix seconds).
    t.bigInteger('charge_amount_refunded').notNullable().defaultTo(0);
    t.bigInteger('charge_refunded_event_created');
    t.text('failure_code');
    t.text('failure_message');
    t.timestamps(true, true);
    t.unique(['provider', 'provider_payment_id']);
    t.index(['registration_id']);
    t.index(['provider_order_id']);
  });

  await knex.schema.createTable('refunds', (t) => {
    t.bigIncrements('id');
    t.bigInteger('payment_id').notNullable().references('payments.id').onDelete('CASCADE');
    t.text('provider').notNullable().checkIn(['stripe', 'razorpay']);
    t.text('provider_refund_id').notNullable();
    t.bigInteger('amount').notNullable();
    t.specificType('currency', 'char(3)').notNullable();
    t.text('status').notNullable().checkIn(['pending', 'succeeded', 'failed', 'canceled']);
    t.timestamps(true, true);
    t.unique(['provider', 'provider_refund_id']);
    t.index(['payment_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('refunds');
  await knex.schema.dropTable('payments');
  await knex.schema.dropTable('registrations');
}
