import { randomBytes } from 'node:crypto';
import { createApiKey, createOrganisation } from '../src/admin/organisations.js';
import { newId } from '../src/crypto/ids.js';
import type { SecretBox } from '../src/crypto/secret-box.js';
import type { Db } from '../src/db/knex.js';
import { CURRENCY, REGISTRATION_AMOUNT } from './bodies.js';

/** Rows per INSERT when seeding registrations. */
const INSERT_CHUNK = 2000;

export interface BenchTenant {
  organisationId: string;
  eventId: string;
  stripeConnectionId: string;
  /** Plain signing secret of the Stripe connection, for the load generator. */
  stripeWebhookSecret: string;
}

/** Creates the organisation, API key, USD event and test-mode Stripe connection every phase posts to. */
export async function seedTenant(db: Db, box: SecretBox): Promise<BenchTenant> {
  const organisation = await createOrganisation(db, 'Benchmark Organisation');
  await createApiKey(db, organisation.id, 'bench');
  const eventId = newId('tev');
  await db('events').insert({ id: eventId, organisation_id: organisation.id, name: 'Benchmark Conference', currency: CURRENCY, razorpay_webhook_secrets: null });
  const stripeWebhookSecret = `whsec_bench_${randomBytes(18).toString('hex')}`;
  const stripeConnectionId = newId('pc');
  await db('payment_connections').insert({
    id: stripeConnectionId,
    organisation_id: organisation.id,
    provider: 'stripe',
    webhook_secrets: box.sealList([stripeWebhookSecret]),
    livemode: false,
  });
  return { organisationId: organisation.id, eventId, stripeConnectionId, stripeWebhookSecret };
}

/** Inserts `count` registrations of REGISTRATION_AMOUNT in the tenant's event and returns their ids. */
export async function seedRegistrations(db: Db, tenant: BenchTenant, count: number, label: string): Promise<string[]> {
  const ids = Array.from({ length: count }, () => newId('reg'));
  for (let start = 0; start < ids.length; start += INSERT_CHUNK) {
    const rows = ids.slice(start, start + INSERT_CHUNK).map((id, offset) => ({
      id,
      organisation_id: tenant.organisationId,
      event_id: tenant.eventId,
      email: `${label}-${start + offset}@example.com`,
      name: `Bench Attendee ${start + offset}`,
      amount_due: REGISTRATION_AMOUNT,
      currency: CURRENCY,
    }));
    await db('registrations').insert(rows);
  }
  return ids;
}
