import { expect } from 'chai';
import { createApiKey, createOrganisation } from '../src/admin/organisations.js';
import { startHarness, type Harness } from './helpers/harness.js';
import {
  createRegistration,
  createStripeConnection,
  createTicketingEvent,
  getRegistration,
  postRazorpayEvent,
  postStripeEvent,
  razorpayPaymentCaptured,
  stripePaymentFailed,
  stripePaymentSucceeded,
  stripeRefund,
  stripeSubscription,
  uniqueId,
  waitUntilFinished,
  waitUntilWaitingForPayment,
} from './helpers/processing.js';

describe('processing across organisations', () => {
  let h: Harness;
  let eventA: string;
  let pathA: string;
  let razorpayEventA: string;
  let keyB: string;
  let eventB: string;
  let pathB: string;

  before(async () => {
    h = await startHarness({ workers: true });
    eventA = await createTicketingEvent(h, { currency: 'USD' });
    pathA = await createStripeConnection(h);
    razorpayEventA = await createTicketingEvent(h, { currency: 'INR', razorpay: true });

    const organisationB = await createOrganisation(h.database.db, 'Organisation B');
    keyB = (await createApiKey(h.database.db, organisationB.id)).key;
    eventB = await createTicketingEvent(h, { currency: 'USD', apiKey: keyB });
    pathB = await createStripeConnection(h, keyB);
  });
  after(async () => {
    await h.close();
  });

  function untouched(registration: any): void {
    expect(registration.status).to.equal('pending_payment');
    expect(registration.amount_paid).to.equal(0);
    expect(registration.amount_refunded).to.equal(0);
    expect(registration.payments).to.deep.equal([]);
  }

  it('metadata naming B does not touch B', async () => {
    const registrationB = await createRegistration(h, eventB, { amount_due: 4500, currency: 'USD' }, keyB);
    const paymentIntentId = uniqueId('pi');

    const response = await h.postStripe(pathA, stripePaymentSucceeded({ registrationId: registrationB, paymentIntentId, amount: 4500 }));
    expect(response.status).to.equal(200);
    const row = await waitUntilFinished(h, response.body.webhook_event_id);

    expect(row.status).to.equal('failed');
    expect(row.last_error).to.include('registration_not_found');
    untouched(await getRegistration(h, registrationB, keyB));
    expect(await h.database.db('payments').where({ provider_payment_id: paymentIntentId }).first()).to.equal(undefined);
  });

  it('A key gets 404 for B registration', async () => {
    const registrationB = await createRegistration(h, eventB, { amount_due: 4500, currency: 'USD' }, keyB);

    const response = await h.api('GET', `/api/v1/registrations/${registrationB}`);

    expect(response.status).to.equal(404);
    expect(response.body.error.code).to.equal('not_found');
  });

  it('A key cannot add registrations to B event', async () => {
    const response = await h.api('POST', `/api/v1/events/${eventB}/registrations`, { email: 'a@example.com', name: 'A', amount_due: 4500, currency: 'USD' });

    expect(response.status).to.equal(404);
  });

  it('B provider_payment_id does not link A events', async () => {
    const paymentIntentId = uniqueId('pi');
    const registrationB = await createRegistration(h, eventB, { amount_due: 4500, currency: 'USD', provider_payment_id: paymentIntentId }, keyB);
    const body = stripePaymentSucceeded({ registrationId: 'REMOVED', paymentIntentId, amount: 4500 });
    const withoutRegistration = Buffer.from(body.toString('utf8').replace('"registration_id": "REMOVED",', ''), 'utf8');

    const row = await waitUntilFinished(h, await postStripeEvent(h, pathA, withoutRegistration));

    expect(row.status).to.equal('failed');
    expect(row.last_error).to.include('registration_not_found');
    untouched(await getRegistration(h, registrationB, keyB));
  });

  it('B order id does not link A Razorpay events', async () => {
    const orderId = uniqueId('order');
    const razorpayEventB = await createTicketingEvent(h, { currency: 'INR', razorpay: true, apiKey: keyB });
    const registrationB = await createRegistration(h, razorpayEventB, { amount_due: 149900, currency: 'INR', provider_payment_id: orderId }, keyB);

    const body = razorpayPaymentCaptured({ event: 'payment.captured', paymentId: uniqueId('pay'), orderId, registrationId: null, amount: 149900 });
    const row = await waitUntilFinished(h, await postRazorpayEvent(h, razorpayEventA, body));

    expect(row.status).to.equal('failed');
    expect(row.last_error).to.include('registration_not_found');
    untouched(await getRegistration(h, registrationB, keyB));
  });

  it('B payment applies on B connection', async () => {
    const registrationB = await createRegistration(h, eventB, { amount_due: 4500, currency: 'USD' }, keyB);

    const row = await waitUntilFinished(h, await postStripeEvent(h, pathB, stripePaymentSucceeded({ registrationId: registrationB, paymentIntentId: uniqueId('pi'), amount: 4500 })));

    expect(row.status).to.equal('processed');
    const registration = await getRegistration(h, registrationB, keyB);
    expect(registration.status).to.equal('confirmed');
    expect(registration.amount_paid).to.equal(4500);
  });

  it('refund on A for B payment changes nothing in B', async () => {
    const registrationB = await createRegistration(h, eventB, { amount_due: 4500, currency: 'USD' }, keyB);
    const paymentIntentId = uniqueId('pi');
    await waitUntilFinished(h, await postStripeEvent(h, pathB, stripePaymentSucceeded({ registrationId: registrationB, paymentIntentId, amount: 4500 })));
    const refundId = uniqueId('re');

    const refundEventId = await postStripeEvent(h, pathA, stripeRefund({ type: 'refund.updated', refundId, paymentIntentId, amount: 4500, status: 'succeeded' }));
    const waiting = await waitUntilWaitingForPayment(h, refundEventId);

    expect(waiting.last_error).to.include(paymentIntentId);
    const registration = await getRegistration(h, registrationB, keyB);
    expect(registration.status).to.equal('confirmed');
    expect(registration.amount_refunded).to.equal(0);
    expect(await h.database.db('refunds').where({ provider_refund_id: refundId }).first()).to.equal(undefined);
  });

  it('payment id recorded in B is not rewritten from A', async () => {
    const registrationA = await createRegistration(h, eventA, { amount_due: 4500, currency: 'USD' });
    const registrationB = await createRegistration(h, eventB, { amount_due: 4500, currency: 'USD' }, keyB);
    const paymentIntentId = uniqueId('pi');
    const failedInB = await waitUntilFinished(h, await postStripeEvent(h, pathB, stripePaymentFailed({ registrationId: registrationB, paymentIntentId })));
    expect(failedInB.status).to.equal('processed');
    const paymentBefore = await h.database.db('payments').where({ provider_payment_id: paymentIntentId }).first();

    const row = await waitUntilFinished(h, await postStripeEvent(h, pathA, stripePaymentSucceeded({ registrationId: registrationA, paymentIntentId, amount: 4500 })));

    expect(row.status).to.equal('failed');
    expect(row.last_error).to.include('provider_id_conflict');
    expect(await h.database.db('payments').where({ provider_payment_id: paymentIntentId }).first()).to.deep.equal(paymentBefore);
    const registration = await getRegistration(h, registrationB, keyB);
    expect(registration.status).to.equal('payment_failed');
    expect(registration.payments[0].status).to.equal('failed');
  });

  it('refund id recorded in B is not rewritten from A', async () => {
    const registrationA = await createRegistration(h, eventA, { amount_due: 4500, currency: 'USD' });
    const registrationB = await createRegistration(h, eventB, { amount_due: 4500, currency: 'USD' }, keyB);
    const intentA = uniqueId('pi');
    const intentB = uniqueId('pi');
    const refundId = uniqueId('re');
    await waitUntilFinished(h, await postStripeEvent(h, pathA, stripePaymentSucceeded({ registrationId: registrationA, paymentIntentId: intentA, amount: 4500 })));
    await waitUntilFinished(h, await postStripeEvent(h, pathB, stripePaymentSucceeded({ registrationId: registrationB, paymentIntentId: intentB, amount: 4500 })));
    await waitUntilFinished(h, await postStripeEvent(h, pathB, stripeRefund({ type: 'refund.updated', refundId, paymentIntentId: intentB, amount: 4500, status: 'succeeded' })));
    const refundBefore = await h.database.db('refunds').where({ provider_refund_id: refundId }).first();

    const row = await waitUntilFinished(h, await postStripeEvent(h, pathA, stripeRefund({ type: 'refund.failed', refundId, paymentIntentId: intentA, amount: 4500, status: 'failed' })));

    expect(row.status).to.equal('failed');
    expect(row.last_error).to.include('provider_id_conflict');
    expect(await h.database.db('refunds').where({ provider_refund_id: refundId }).first()).to.deep.equal(refundBefore);
    const registration = await getRegistration(h, registrationB, keyB);
    expect(registration.status).to.equal('refunded');
    expect(registration.amount_refunded).to.equal(4500);
  });

  it('subscription events stay with their organisation', async () => {
    const subscriptionId = uniqueId('sub');

    const rowA = await waitUntilFinished(h, await postStripeEvent(h, pathA, stripeSubscription({ type: 'customer.subscription.updated', subscriptionId, status: 'past_due', created: 1768003300 })));
    const rowB = await waitUntilFinished(h, await postStripeEvent(h, pathB, stripeSubscription({ type: 'customer.subscription.updated', subscriptionId, status: 'active', created: 1768003205 })));

    expect(rowA.status).to.equal('processed');
    expect(rowB.status).to.equal('processed');
    const seenByA = await h.api('GET', `/api/v1/subscriptions/stripe/${subscriptionId}`);
    const seenByB = await h.api('GET', `/api/v1/subscriptions/stripe/${subscriptionId}`, undefined, keyB);
    expect(seenByA.body.status).to.equal('past_due');
    expect(seenByB.body.status).to.equal('active');
  });

  it('A subscription is 404 for B key', async () => {
    const subscriptionId = uniqueId('sub');
    await waitUntilFinished(h, await postStripeEvent(h, pathA, stripeSubscription({ type: 'customer.subscription.updated', subscriptionId, status: 'active', created: 1768003205 })));

    const response = await h.api('GET', `/api/v1/subscriptions/stripe/${subscriptionId}`, undefined, keyB);

    expect(response.status).to.equal(404);
  });
});
