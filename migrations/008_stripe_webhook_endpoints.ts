import type { Knex } from 'knex';

/**
 * Webhook endpoints that the service creates in the organiser's Stripe
 * account. A recreated endpoint gets a new signing secret, and the secrets it
 * replaces stay accepted until `previous_secrets_expire_at`, so deliveries
 * signed before the switch still verify.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('payment_connections', (t) => {
    // AES-256-GCM sealed Stripe secret (sk_) or restricted (rk_) key; null for connections set up with webhook secrets only.
    t.text('stripe_api_key');
    // The `we_...` id of the endpoint the service created; null when the organiser manages the endpoint.
    t.text('stripe_webhook_endpoint_id');
    // AES-256-GCM sealed JSON array of the signing secrets that were current before the last endpoint change.
    t.text('previous_webhook_secrets');
    t.timestamp('previous_secrets_expire_at', { useTz: true });
  });
  await knex.raw(`
    ALTER TABLE payment_connections
      ADD CONSTRAINT payment_connections_previous_secrets_expiry
      CHECK ((previous_webhook_secrets IS NULL) = (previous_secrets_expire_at IS NULL))
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE payment_connections DROP CONSTRAINT payment_connections_previous_secrets_expiry');
  await knex.schema.alterTable('payment_connections', (t) => {
    t.dropColumn('stripe_api_key');
    t.dropColumn('stripe_webhook_endpoint_id');
    t.dropColumn('previous_webhook_secrets');
    t.dropColumn('previous_secrets_expire_at');
  });
}
