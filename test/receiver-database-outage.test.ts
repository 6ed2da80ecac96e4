import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../src/config/config.js';
import { createApp } from '../src/http/app.js';
import { createLogger } from '../src/logger.js';
import { createServices, type Services } from '../src/services.js';
import { fixtureWith } from './helpers/fixtures.js';
import { RAZORPAY_SECRET, STRIPE_SECRET } from './helpers/harness.js';
import { freePort, newRazorpayEventId, newStripeEventId, postRaw, stripeFixture } from './helpers/receiver-requests.js';
import { TEST_REDIS_URL, deletePrefix, uniquePrefix } from './helpers/redis.js';
import { razorpaySignature, stripeSignature } from './helpers/sign.js';

describe('receiver: database unavailable', () => {
  let services: Services;
  let server: Server;
  let baseUrl: string;
  let prefix: string;

  before(async () => {
    // Nothing listens on this port, so every connection attempt is refused at once.
    const closedPort = await freePort();
    prefix = uniquePrefix();
    const config = loadConfig({
      NODE_ENV: 'test',
      DATABASE_URL: `postgres://postgres@127.0.0.1:${closedPort}/test`,
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: prefix,
      ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      STRIPE_WEBHOOK_SECRET: STRIPE_SECRET,
      LOG_LEVEL: 'error',
    });
    services = createServices(config, 'web');
    const logger = createLogger({ env: 'test', level: config.logLevel, silent: true });
    server = createApp(config, services, logger).listen(0, '127.0.0.1');
    await once(server, 'listening');
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await services.close();
    await deletePrefix(TEST_REDIS_URL, prefix);
  });

  function stripeEvent(): Buffer {
    return stripeFixture('stripe.payment_intent.succeeded.json', newStripeEventId());
  }

  it('returns 503 on the connection route', async () => {
    const body = stripeEvent();

    const res = await postRaw(baseUrl, '/webhooks/stripe/pc_0000000000000000', body, {
      'content-type': 'application/json',
      'stripe-signature': stripeSignature(body, STRIPE_SECRET),
    });

    expect(res.status).to.equal(503);
    expect(res.body.error.code).to.equal('database_unavailable');
    expect(res.headers.get('retry-after')).to.equal('10');
  });

  it('returns 503 on the development route', async () => {
    const body = stripeEvent();

    const res = await postRaw(baseUrl, '/webhooks/stripe', body, {
      'content-type': 'application/json',
      'stripe-signature': stripeSignature(body, STRIPE_SECRET),
    });

    expect(res.status).to.equal(503);
    expect(res.body.error.code).to.equal('database_unavailable');
  });

  it('returns 503 on the Razorpay route', async () => {
    const body = fixtureWith('razorpay.payment.captured.json', {});

    const res = await postRaw(baseUrl, '/webhooks/razorpay/tev_0000000000000000', body, {
      'content-type': 'application/json',
      'x-razorpay-signature': razorpaySignature(body, RAZORPAY_SECRET),
      'x-razorpay-event-id': newRazorpayEventId(),
    });

    expect(res.status).to.equal(503);
    expect(res.body.error.code).to.equal('database_unavailable');
  });

  it('still returns 400 for a bad signature', async () => {
    const body = stripeEvent();

    const res = await postRaw(baseUrl, '/webhooks/stripe', body, {
      'content-type': 'application/json',
      'stripe-signature': stripeSignature(body, 'whsec_test_some_other_secret_0002'),
    });

    expect(res.status).to.equal(400);
    expect(res.body.error.code).to.equal('signature_mismatch');
  });
});
