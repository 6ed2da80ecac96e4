import { randomBytes } from 'node:crypto';
import { createApiKey, createOrganisation } from '../../src/admin/organisations.js';
import { newId } from '../../src/crypto/ids.js';
import type { SecretBox } from '../../src/crypto/secret-box.js';
import type { Db } from '../../src/db/knex.js';
import { readDemoState, writeDemoState, type DemoState } from './demo-state.js';

/**
 * Creates the demo organisation, API key, events, Stripe connection and a few
 * registrations, once: a restart finds them in `.data/demo.json` and reuses them.
 */
export async function seedDemo(db: Db, box: SecretBox, baseUrl: string): Promise<DemoState> {
  const existing = await readDemoState();
  if (existing !== undefined && (await db('organisations').where({ id: existing.organisationId }).first('id')) !== undefined) {
    const state = { ...existing, baseUrl };
    await writeDemoState(state);
    return state;
  }

  const organisation = await createOrganisation(db, 'Demo Organisation');
  const key = await createApiKey(db, organisation.id, 'dev');
  const stripeWebhookSecret = `whsec_dev_${randomBytes(18).toString('hex')}`;
  const razorpayWebhookSecret = `rzp_dev_${randomBytes(12).toString('hex')}`;

  const eventId = newId('tev');
  const razorpayEventId = newId('tev');
  await db('events').insert([
    { id: eventId, organisation_id: organisation.id, name: 'DevConf 2026', currency: 'USD', razorpay_webhook_secrets: null },
    { id: razorpayEventId, organisation_id: organisation.id, name: 'DevConf Bengaluru 2026', currency: 'INR', razorpay_webhook_secrets: box.sealList([razorpayWebhookSecret]) },
  ]);
  const stripeConnectionId = newId('pc');
  await db('payment_connections').insert({
    id: stripeConnectionId,
    organisation_id: organisation.id,
    provider: 'stripe',
    webhook_secrets: box.sealList([stripeWebhookSecret]),
    livemode: false,
  });

  const attendees = [
    { email: 'asha.verma@example.com', name: 'Asha Verma', event: eventId, amount: 4500, currency: 'USD' },
    { email: 'li.wei@example.com', name: 'Li Wei', event: eventId, amount: 4500, currency: 'USD' },
    { email: 'priya.nair@example.com', name: 'Priya Nair', event: razorpayEventId, amount: 149900, currency: 'INR' },
  ];
  const registrationIds: string[] = [];
  for (const attendee of attendees) {
    const id = newId('reg');
    await db('registrations').insert({
      id,
      organisation_id: organisation.id,
      event_id: attendee.event,
      email: attendee.email,
      name: attendee.name,
      amount_due: attendee.amount,
      currency: attendee.currency,
    });
    registrationIds.push(id);
  }

  const state: DemoState = {
    baseUrl,
    organisationId: organisation.id,
    apiKey: key.key,
    stripeConnectionId,
    stripeWebhookSecret,
    eventId,
    razorpayEventId,
    razorpayWebhookSecret,
    registrationIds,
  };
  await writeDemoState(state);
  return state;
}
