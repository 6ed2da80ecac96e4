import { execFile } from 'node:child_process';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';
import winston from 'winston';
import { SecretBox } from '../src/crypto/secret-box.js';
import { RAZORPAY_ROUTES, STRIPE_ROUTES } from '../src/queues/routing.js';
import { SOURCE_CACHE_TTL_MS } from '../src/receiver/source-cache.js';
import { startHarness, type Harness } from './helpers/harness.js';
import {
  createRegistration,
  createStripeConnection,
  createTicketingEvent,
  getRegistration,
  stripePaymentSucceeded,
  uniqueId,
  waitUntilFinished,
} from './helpers/processing.js';
import { startStripeStub, type StripeStub } from './helpers/stripe-stub.js';

const run = promisify(execFile);
const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src/cli/index.js');

const PUBLIC_BASE_URL = 'https://hooks.eventhex.test';
const TEST_KEY = 'sk_test_stubAccountKey00000000000001';
const RESTRICTED_KEY = 'rk_test_stubRestrictedKey000000000002';
const CLI_KEY = 'sk_test_stubCliKey0000000000000000003';
const UNKNOWN_KEY = 'sk_test_stubUnknownKey00000000000004';
const ALL_KEYS = [TEST_KEY, RESTRICTED_KEY, CLI_KEY, UNKNOWN_KEY];

describe('Stripe webhook endpoint management', () => {
  let stub: StripeStub;
  let h: Harness;
  let ticketingEventId: string;
  const logLines: string[] = [];
  const responseBodies: string[] = [];

  before(async () => {
    stub = await startStripeStub();
    stub.validKeys.add(TEST_KEY).add(RESTRICTED_KEY).add(CLI_KEY);
    h = await startHarness({
      workers: true,
      env: { STRIPE_API_BASE_URL: stub.url, PUBLIC_BASE_URL, STRIPE_STATUS_TIMEOUT_MS: '500', STRIPE_SECRET_OVERLAP_SECONDS: '3600' },
    });
    // Every record at debug level is captured; the console keeps the level the suite runs with.
    for (const transport of h.logger.transports) transport.level = h.logger.level;
    const capture = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString('utf8'));
        done();
      },
    });
    h.logger.add(new winston.transports.Stream({ stream: capture, level: 'debug' }));
    h.logger.level = 'debug';
    ticketingEventId = await createTicketingEvent(h, { currency: 'USD' });
  });

  after(async () => {
    await h?.close();
    await stub?.close();
  });

  beforeEach(() => {
    stub.rateLimited = false;
    stub.permissionDenied = false;
    stub.dropConnections = false;
    stub.delayMs = 0;
  });

  /** Calls the API and keeps the raw response body, so the last test can search every body for keys. */
  async function call(method: string, urlPath: string, body?: unknown): Promise<{ status: number; headers: Headers; body: any }> {
    const response = await fetch(`${h.baseUrl}${urlPath}`, {
      method,
      headers: { authorization: `Bearer ${h.apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    responseBodies.push(text);
    return { status: response.status, headers: response.headers, body: JSON.parse(text) };
  }

  async function connect(apiKey = TEST_KEY): Promise<any> {
    const response = await call('POST', '/api/v1/payment-connections', { provider: 'stripe', api_key: apiKey });
    expect(response.status, JSON.stringify(response.body)).to.equal(201);
    return response.body;
  }

  function secretOf(endpointId: string): string {
    const endpoint = stub.endpoints.get(endpointId);
    if (endpoint === undefined) throw new Error(`The stub has no endpoint ${endpointId}`);
    return endpoint.secret;
  }

  async function connectionCount(): Promise<number> {
    const [row] = await h.database.db('payment_connections').count<{ count: number }[]>('* as count');
    return Number(row?.count);
  }

  /** Posts a payment for a fresh registration, signed with `secret`, to a connection's webhook path. */
  async function deliverPayment(connectionId: string, secret: string): Promise<{ status: number; body: any; registrationId: string }> {
    const registrationId = await createRegistration(h, ticketingEventId, { amount_due: 4500, currency: 'USD' });
    const body = stripePaymentSucceeded({ registrationId, paymentIntentId: uniqueId('pi'), amount: 4500 });
    const response = await h.postStripe(`/webhooks/stripe/${connectionId}`, body, { secret });
    return { ...response, registrationId };
  }

  async function expectProcessed(connectionId: string, secret: string): Promise<void> {
    const delivery = await deliverPayment(connectionId, secret);
    expect(delivery.status, JSON.stringify(delivery.body)).to.equal(200);
    const row = await waitUntilFinished(h, delivery.body.webhook_event_id as number);
    expect(row.status, row.last_error ?? '').to.equal('processed');
    expect((await getRegistration(h, delivery.registrationId)).status).to.equal('confirmed');
  }

  describe('create with an API key', () => {
    it('creates the endpoint with the connection URL and handled events', async () => {
      const before = stub.creates().length;
      const connection = await connect();

      expect(connection.id).to.match(/^pc_/);
      expect(connection.provider).to.equal('stripe');
      expect(connection.livemode).to.equal(false);
      expect(connection.webhook_url).to.equal(`${PUBLIC_BASE_URL}/webhooks/stripe/${connection.id}`);
      expect(connection.stripe_webhook_endpoint.id).to.match(/^we_/);
      expect(connection.stripe_webhook_endpoint.status).to.equal('enabled');
      expect(connection.stripe_webhook_endpoint.enabled_events).to.deep.equal(Object.keys(STRIPE_ROUTES));

      const creates = stub.creates();
      expect(creates).to.have.length(before + 1);
      const request = creates.at(-1)!;
      expect(request.authorization).to.equal(`Bearer ${TEST_KEY}`);
      expect(request.form.get('url')).to.equal(connection.webhook_url);
      const sentEvents = [...request.form].filter(([key]) => key.startsWith('enabled_events[')).map(([, value]) => value);
      expect(sentEvents).to.deep.equal(Object.keys(STRIPE_ROUTES));
    });

    it('stores the key and signing secret encrypted', async () => {
      const connection = await connect();
      const row = await h.database.db('payment_connections').where({ id: connection.id }).first();
      const box = new SecretBox(h.config.encryptionKey);

      expect(row.stripe_api_key).to.not.include(TEST_KEY);
      expect(box.open(row.stripe_api_key)).to.equal(TEST_KEY);
      expect(row.stripe_webhook_endpoint_id).to.equal(connection.stripe_webhook_endpoint.id);
      expect(box.openList(row.webhook_secrets)).to.deep.equal([secretOf(connection.stripe_webhook_endpoint.id)]);
      expect(row.previous_webhook_secrets).to.equal(null);
    });

    it('verifies deliveries with the endpoint secret', async () => {
      const connection = await connect();
      await expectProcessed(connection.id, secretOf(connection.stripe_webhook_endpoint.id));

      const forged = await deliverPayment(connection.id, 'whsec_not_the_endpoint_secret');
      expect(forged.status).to.equal(400);
    });

    it('accepts a restricted key', async () => {
      const connection = await connect(RESTRICTED_KEY);
      expect(stub.creates().at(-1)?.authorization).to.equal(`Bearer ${RESTRICTED_KEY}`);
      expect(connection.stripe_webhook_endpoint.status).to.equal('enabled');
    });

    it('maps an invalid key to 400', async () => {
      const before = await connectionCount();
      const response = await call('POST', '/api/v1/payment-connections', { provider: 'stripe', api_key: UNKNOWN_KEY });
      expect(response.status).to.equal(400);
      expect(response.body.error.code).to.equal('stripe_authentication_failed');
      expect(await connectionCount()).to.equal(before);
    });

    it('maps a permission error to 400', async () => {
      stub.permissionDenied = true;
      const response = await call('POST', '/api/v1/payment-connections', { provider: 'stripe', api_key: RESTRICTED_KEY });
      expect(response.status).to.equal(400);
      expect(response.body.error.code).to.equal('stripe_permission_denied');
    });

    it('maps a rate limit to 503 with Retry-After', async () => {
      stub.rateLimited = true;
      const before = await connectionCount();
      const response = await call('POST', '/api/v1/payment-connections', { provider: 'stripe', api_key: TEST_KEY });
      expect(response.status).to.equal(503);
      expect(response.body.error.code).to.equal('stripe_rate_limited');
      expect(response.headers.get('retry-after')).to.equal('10');
      expect(await connectionCount()).to.equal(before);
    });

    it('maps a dropped connection to 502', async () => {
      stub.dropConnections = true;
      const response = await call('POST', '/api/v1/payment-connections', { provider: 'stripe', api_key: TEST_KEY });
      expect(response.status).to.equal(502);
      expect(response.body.error.code).to.equal('stripe_unavailable');
    });

    it('rejects a key of the other mode before calling Stripe', async () => {
      const before = stub.requests.length;
      const response = await call('POST', '/api/v1/payment-connections', { provider: 'stripe', api_key: TEST_KEY, livemode: true });
      expect(response.status).to.equal(400);
      expect(response.body.error.code).to.equal('livemode_mismatch');
      expect(stub.requests).to.have.length(before);
    });

    it('rejects invalid bodies', async () => {
      const cases: [string, unknown][] = [
        ['publishable key', { provider: 'stripe', api_key: 'pk_test_stubPublishable000000000' }],
        ['key and secrets', { provider: 'stripe', api_key: TEST_KEY, webhook_secrets: ['whsec_0123456789abcdef'], livemode: false }],
        ['neither', { provider: 'stripe', livemode: false }],
        ['secrets without livemode', { provider: 'stripe', webhook_secrets: ['whsec_0123456789abcdef'] }],
      ];
      for (const [name, body] of cases) {
        const response = await call('POST', '/api/v1/payment-connections', body);
        expect(response.status, name).to.equal(400);
        expect(response.body.error.code, name).to.equal('invalid_request');
      }
    });
  });

  describe('recreate', () => {
    it('replaces the endpoint and keeps the old secret for the overlap', async () => {
      const connection = await connect();
      const oldEndpointId = connection.stripe_webhook_endpoint.id as string;
      const oldSecret = secretOf(oldEndpointId);

      const response = await call('POST', `/api/v1/payment-connections/${connection.id}/webhook/recreate`);
      expect(response.status, JSON.stringify(response.body)).to.equal(200);
      const newEndpointId = response.body.stripe_webhook_endpoint.id as string;
      expect(newEndpointId).to.not.equal(oldEndpointId);
      expect(response.body.previous_stripe_webhook_endpoint).to.deep.equal({ id: oldEndpointId, outcome: 'deleted' });
      expect(stub.endpoints.has(oldEndpointId)).to.equal(false);
      expect(stub.requests.some((request) => request.method === 'DELETE' && request.path === `/v1/webhook_endpoints/${oldEndpointId}`)).to.equal(true);

      const expiresInSeconds = (Date.parse(response.body.previous_secrets_expire_at as string) - Date.now()) / 1000;
      expect(expiresInSeconds).to.be.within(3500, 3601);

      const newSecret = secretOf(newEndpointId);
      await expectProcessed(connection.id, newSecret);
      await expectProcessed(connection.id, oldSecret);

      await h.database.db('payment_connections').where({ id: connection.id }).update({ previous_secrets_expire_at: h.database.db.raw("now() - interval '1 second'") });
      // The receiver reuses a connection's secrets for SOURCE_CACHE_TTL_MS, so an expired secret stops verifying only after that.
      await new Promise((resolve) => setTimeout(resolve, SOURCE_CACHE_TTL_MS + 200));
      const late = await deliverPayment(connection.id, oldSecret);
      expect(late.status).to.equal(400);
      await expectProcessed(connection.id, newSecret);
    });

    it('accepts an endpoint already deleted in Stripe', async () => {
      const connection = await connect();
      stub.endpoints.delete(connection.stripe_webhook_endpoint.id);

      const response = await call('POST', `/api/v1/payment-connections/${connection.id}/webhook/recreate`);
      expect(response.status).to.equal(200);
      expect(response.body.previous_stripe_webhook_endpoint.outcome).to.equal('already_missing');
      expect(stub.endpoints.has(response.body.stripe_webhook_endpoint.id)).to.equal(true);
    });

    it('leaves the connection unchanged when Stripe fails', async () => {
      const connection = await connect();
      stub.rateLimited = true;
      const response = await call('POST', `/api/v1/payment-connections/${connection.id}/webhook/recreate`);
      expect(response.status).to.equal(503);
      stub.rateLimited = false;

      const row = await h.database.db('payment_connections').where({ id: connection.id }).first('stripe_webhook_endpoint_id');
      expect(row.stripe_webhook_endpoint_id).to.equal(connection.stripe_webhook_endpoint.id);
      expect(stub.endpoints.has(connection.stripe_webhook_endpoint.id)).to.equal(true);
    });

    it('needs an API key', async () => {
      const connectionId = (await createStripeConnection(h)).split('/').pop() as string;
      const response = await call('POST', `/api/v1/payment-connections/${connectionId}/webhook/recreate`);
      expect(response.status).to.equal(409);
      expect(response.body.error.code).to.equal('stripe_api_key_missing');
    });

    it('returns 404 for an unknown connection', async () => {
      const response = await call('POST', '/api/v1/payment-connections/pc_UNKNOWN0000000000/webhook/recreate');
      expect(response.status).to.equal(404);
    });
  });

  describe('endpoint status', () => {
    it('shows enabled, disabled, then missing', async () => {
      const connection = await connect();
      const endpointId = connection.stripe_webhook_endpoint.id as string;

      const enabled = await call('GET', `/api/v1/payment-connections/${connection.id}`);
      expect(enabled.status).to.equal(200);
      expect(enabled.body.id).to.equal(connection.id);
      expect(enabled.body.webhook_url).to.equal(connection.webhook_url);
      expect(enabled.body.stripe_webhook_endpoint.id).to.equal(endpointId);
      expect(enabled.body.stripe_webhook_endpoint.status).to.equal('enabled');

      stub.endpoints.get(endpointId)!.status = 'disabled';
      const disabled = await call('GET', `/api/v1/payment-connections/${connection.id}`);
      expect(disabled.body.stripe_webhook_endpoint.status).to.equal('disabled');

      stub.endpoints.delete(endpointId);
      const missing = await call('GET', `/api/v1/payment-connections/${connection.id}`);
      expect(missing.status).to.equal(200);
      expect(missing.body.stripe_webhook_endpoint).to.deep.equal({ id: endpointId, status: 'missing' });
    });

    it('shows no endpoint for a manual connection', async () => {
      const connectionId = (await createStripeConnection(h)).split('/').pop() as string;
      const response = await call('GET', `/api/v1/payment-connections/${connectionId}`);
      expect(response.status).to.equal(200);
      expect(response.body.stripe_webhook_endpoint).to.equal(null);
      expect(response.body.stripe_api_key_set).to.equal(false);
    });

    it('reports error on the status page for a missing endpoint', async () => {
      const healthy = await connect();
      const deleted = await connect();
      stub.endpoints.delete(deleted.stripe_webhook_endpoint.id);

      const response = await call('GET', '/api/v1/webhook-status');
      expect(response.status).to.equal(200);
      const entryOf = (id: string) => response.body.data.find((entry: { id: string }) => entry.id === id);
      expect(entryOf(deleted.id).status).to.equal('error');
      expect(entryOf(deleted.id).stripe_webhook_endpoint).to.deep.equal({ id: deleted.stripe_webhook_endpoint.id, status: 'missing' });
      expect(entryOf(healthy.id).status).to.equal('inactive');
      expect(entryOf(healthy.id).stripe_webhook_endpoint).to.deep.equal({ id: healthy.stripe_webhook_endpoint.id, status: 'enabled' });
    });

    it('reuses endpoint statuses on the status page', async () => {
      const connection = await connect();
      const endpointId = connection.stripe_webhook_endpoint.id as string;
      const reads = () => stub.requests.filter((request) => request.method === 'GET' && request.path === `/v1/webhook_endpoints/${endpointId}`).length;
      const entryOf = (body: { data: { id: string; stripe_webhook_endpoint: unknown }[] }) => body.data.find((entry) => entry.id === connection.id);

      const first = await call('GET', '/api/v1/webhook-status');
      stub.endpoints.get(endpointId)!.status = 'disabled';
      const second = await call('GET', '/api/v1/webhook-status');
      expect(entryOf(first.body)?.stripe_webhook_endpoint).to.deep.equal({ id: endpointId, status: 'enabled' });
      expect(entryOf(second.body)?.stripe_webhook_endpoint).to.deep.equal({ id: endpointId, status: 'enabled' });
      expect(reads()).to.equal(1);

      // The single-connection read is what an operator checks after a fix in the Stripe dashboard, so it is never cached.
      const single = await call('GET', `/api/v1/payment-connections/${connection.id}`);
      expect(single.body.stripe_webhook_endpoint.status).to.equal('disabled');
      expect(reads()).to.equal(2);
    });

    it('keeps the status page fast when Stripe stalls', async () => {
      const connection = await connect();
      stub.delayMs = 3000;
      const startedAt = Date.now();
      const response = await call('GET', '/api/v1/webhook-status');
      const elapsedMs = Date.now() - startedAt;

      expect(response.status).to.equal(200);
      expect(elapsedMs).to.be.below(2000);
      const entry = response.body.data.find((item: { id: string }) => item.id === connection.id);
      expect(entry.stripe_webhook_endpoint.status).to.equal('unknown');
    });
  });

  describe('events', () => {
    it('lists the Razorpay events to enable', async () => {
      const eventId = await createTicketingEvent(h, { currency: 'INR', razorpay: true });
      const response = await call('GET', `/api/v1/events/${eventId}`);
      expect(response.status).to.equal(200);
      expect(response.body.razorpay_webhook_url).to.equal(`${PUBLIC_BASE_URL}/webhooks/razorpay/${eventId}`);
      expect(response.body.razorpay_webhook_secret_set).to.equal(true);
      expect(response.body.razorpay_webhook_events).to.deep.equal(Object.keys(RAZORPAY_ROUTES));
    });

    it('returns 404 for an unknown event', async () => {
      const response = await call('GET', '/api/v1/events/tev_UNKNOWN0000000000');
      expect(response.status).to.equal(404);
    });
  });

  describe('CLI', function () {
    // Each command starts a Node process, which takes seconds on a loaded machine.
    this.timeout(90_000);

    function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
      return {
        PATH: process.env['PATH'],
        DATABASE_URL: h.database.url,
        ENCRYPTION_KEY: h.env['ENCRYPTION_KEY'],
        PUBLIC_BASE_URL,
        STRIPE_API_BASE_URL: stub.url,
        ...extra,
      };
    }

    async function cli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
      try {
        const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { env });
        return { code: 0, stdout, stderr };
      } catch (error) {
        const failed = error as { code: number; stdout: string; stderr: string };
        return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
      }
    }

    it('recreates an endpoint with --json', async () => {
      const connection = await connect();
      const result = await cli(['stripe', 'endpoint', 'recreate', connection.id, '--json'], cliEnv());
      responseBodies.push(result.stdout, result.stderr);
      expect(result.code, result.stderr).to.equal(0);

      const output = JSON.parse(result.stdout);
      expect(output.id).to.equal(connection.id);
      expect(output.stripe_webhook_endpoint.id).to.not.equal(connection.stripe_webhook_endpoint.id);
      expect(output.previous_stripe_webhook_endpoint.outcome).to.equal('deleted');
      await expectProcessed(connection.id, secretOf(output.stripe_webhook_endpoint.id));
    });

    it('creates an endpoint for a manual connection', async () => {
      const connectionId = (await createStripeConnection(h)).split('/').pop() as string;
      const result = await cli(['stripe', 'endpoint', 'create', connectionId], cliEnv({ STRIPE_API_KEY: CLI_KEY }));
      responseBodies.push(result.stdout, result.stderr);
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stdout).to.match(new RegExp(`^Created Stripe webhook endpoint we_\\w+ \\(enabled, test mode, ${Object.keys(STRIPE_ROUTES).length} event types\\) for payment connection ${connectionId}`));
      expect(stub.creates().at(-1)?.authorization).to.equal(`Bearer ${CLI_KEY}`);

      const again = await cli(['stripe', 'endpoint', 'create', connectionId], cliEnv());
      expect(again.code).to.equal(1);
      expect(again.stderr).to.include('stripe_webhook_endpoint_exists');
    });

    it('needs PUBLIC_BASE_URL', async () => {
      const { PUBLIC_BASE_URL: _omitted, ...env } = cliEnv();
      const result = await cli(['stripe', 'endpoint', 'recreate', 'pc_UNKNOWN0000000000'], env);
      expect(result.code).to.equal(1);
      expect(result.stderr, result.stderr).to.include('PUBLIC_BASE_URL is missing');
    });
  });

  // A suite of its own, because mocha runs a suite's own tests before its nested suites.
  describe('key secrecy', () => {
    it('never returns or logs an API key', () => {
      expect(logLines.length).to.be.above(0);
      // The stub's 401 and 403 messages contain the key; the logged copies must have it replaced.
      expect(logLines.some((line) => line.includes('[redacted key]'))).to.equal(true);
      for (const key of ALL_KEYS) {
        expect(responseBodies.filter((body) => body.includes(key)), key).to.deep.equal([]);
        expect(logLines.filter((line) => line.includes(key)), key).to.deep.equal([]);
      }
    });
  });
});
