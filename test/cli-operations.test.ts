import { expect } from 'chai';
import { startHarness, waitFor, type Harness } from './helpers/harness.js';
import {
  insertRegistration,
  createStripeConnection,
  createTicketingEvent,
  getRegistration,
  postStripeEvent,
  stripePaymentSucceeded,
  uniqueId,
  waitUntilFinished,
} from './helpers/processing.js';
import { spawn } from 'node:child_process';

describe('operations CLI', () => {
  let h: Harness;
  let eventId: string;
  let path: string;

  before(async () => {
    h = await startHarness({ workers: true });
    eventId = await createTicketingEvent(h, { currency: 'USD' });
    path = await createStripeConnection(h);
  });
  after(async () => {
    await h.close();
  });

  async function cli(...args: string[]): Promise<{ code: number | null; output: string }> {
    const child = spawn(process.execPath, ['dist/src/cli/index.js', ...args], { env: { PATH: process.env['PATH'], ...h.env } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    return { code, output };
  }

  let sequence = 0;

  /** Posts a payment for a registration that does not exist yet, so it fails, then inserts that registration. */
  async function failedPayment(): Promise<{ webhookEventId: number; registrationId: string }> {
    sequence += 1;
    const registrationId = `reg_NOTYET${String(sequence).padStart(10, '0')}`;
    const webhookEventId = await postStripeEvent(h, path, stripePaymentSucceeded({ registrationId, paymentIntentId: uniqueId('pi'), amount: 4500 }));
    expect((await waitUntilFinished(h, webhookEventId)).status).to.equal('failed');
    await insertRegistration(h, eventId, registrationId, { amount_due: 4500, currency: 'USD' });
    return { webhookEventId, registrationId };
  }

  async function waitProcessed(id: number): Promise<void> {
    await waitFor(async () => {
      const row = await h.database.db('webhook_events').where({ id }).first('status');
      return row.status === 'processed' ? true : undefined;
    });
  }

  it('replays one event by id', async () => {
    const { webhookEventId, registrationId } = await failedPayment();
    const result = await cli('webhooks', 'replay', String(webhookEventId), '--json');
    expect(result.code).to.equal(0);
    expect(JSON.parse(result.output).status).to.equal('queued');
    await waitProcessed(webhookEventId);
    expect((await getRegistration(h, registrationId)).status).to.equal('confirmed');
  });

  it('replays every failed event', async () => {
    const first = await failedPayment();
    const second = await failedPayment();
    const result = await cli('webhooks', 'replay-failed', '--provider', 'stripe', '--json');
    expect(result.code, result.output).to.equal(0);
    const summary = JSON.parse(result.output);
    expect(summary.total).to.equal(2);
    expect(summary.queued).to.equal(2);
    await waitProcessed(first.webhookEventId);
    await waitProcessed(second.webhookEventId);
  });

  it('retries the failed jobs of a queue', async () => {
    const { webhookEventId } = await failedPayment();
    const failedJobs = await h.services.producer.queue('payments').getFailedCount();
    expect(failedJobs).to.be.at.least(1);
    const result = await cli('queues', 'retry-failed', 'payments', '--json');
    expect(result.code).to.equal(0);
    expect(JSON.parse(result.output).retried).to.equal(failedJobs);
    await waitProcessed(webhookEventId);
  });

  it('rejects an unknown queue', async () => {
    const result = await cli('queues', 'retry-failed', 'emails');
    expect(result.code).to.equal(1);
    expect(result.output).to.include('Unknown queue emails; expected one of payments, refunds, subscriptions, maintenance');
  });

  it('rejects a non-numeric event id', async () => {
    const result = await cli('webhooks', 'replay', 'abc');
    expect(result.code).to.equal(1);
    expect(result.output).to.include('Invalid webhook event id abc');
  });
});
