import type { Knex } from 'knex';

/** The webhook log: one row per provider event (repeated deliveries bump a counter) and one per rejected delivery. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('webhook_events', (t) => {
    t.bigIncrements('id');
    t.text('organisation_id').references('organisations.id').onDelete('CASCADE');
    t.text('provider').notNullable().checkIn(['stripe', 'razorpay']);
    // `connection:<id>`, `event:<id>` or `default` (the development Stripe route): where the delivery was addressed.
    t.text('source_key').notNullable();
    t.text('connection_id');
    t.text('event_id');
    // Null only on rejected rows, whose event id could not be trusted.
    t.text('provider_event_id');
    t.text('type');
    t.boolean('livemode');
    t.text('status')
      .notNullable()
      .checkIn(['received', 'queued', 'processing', 'processed', 'ignored', 'failed', 'rejected']);
    t.text('last_error');
    t.integer('delivery_count').notNullable().defaultTo(1);
    t.integer('attempts').notNullable().defaultTo(0);
    // Raw body as received (verified UTF-8 JSON); null on rejected rows.
    t.text('payload');
    t.integer('body_bytes').notNullable().defaultTo(0);
    // Provider `created` time of the event, Unix seconds.
    t.bigInteger('provider_created_at');
    t.text('job_id');
    t.timestamp('received_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_delivered_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('processed_at', { useTz: true });
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    // De-duplication lives here, not in BullMQ job retention.
    t.unique(['provider', 'source_key', 'provider_event_id']);
    t.index(['organisation_id', 'id']);
    t.index(['status', 'received_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('webhook_events');
}
