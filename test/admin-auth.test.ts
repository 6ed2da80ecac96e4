import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import express from 'express';
import winston from 'winston';
import type { AdminIdentity } from '../src/admin-ui/auth.js';
import { LoginLimiter, MAX_FAILED_LOGINS } from '../src/admin-ui/login-limiter.js';
import { safeAdminPath } from '../src/admin-ui/paths.js';
import { queueBoards } from '../src/admin-ui/queues.js';
import { createLogger } from '../src/logger.js';
import type { WebhookProducer } from '../src/queues/producer.js';
import { ADMIN, ADMIN_ENV, VIEWER, basicAuth, csrfTokenIn, loginCookie, postLogin } from './helpers/admin.js';
import { startHarness, type Harness } from './helpers/harness.js';
import { createStripeConnection, createTicketingEvent, postStripeEvent, stripePaymentSucceeded, uniqueId, waitUntilFinished } from './helpers/processing.js';

const HTML = { accept: 'text/html' };

describe('admin UI without credentials', () => {
  let h: Harness;

  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });

  for (const path of ['/admin', '/admin/login', '/admin/queues']) {
    it(`returns 404 for ${path} with how to enable it`, async () => {
      const response = await fetch(`${h.baseUrl}${path}`);
      expect(response.status).to.equal(404);
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.code).to.equal('admin_disabled');
      expect(body.error.message).to.include('ADMIN_USERNAME');
      expect(body.error.message).to.include('ADMIN_PASSWORD');
    });
  }
});

describe('admin authentication', () => {
  let h: Harness;
  let failedEventId: number;

  before(async () => {
    h = await startHarness({ workers: true, env: ADMIN_ENV });
    await createTicketingEvent(h, { currency: 'USD' });
    const webhookPath = await createStripeConnection(h);
    // No registration has this id, so processing fails and the row becomes replayable.
    failedEventId = await postStripeEvent(h, webhookPath, stripePaymentSucceeded({ registrationId: 'reg_ADMINAUTH000001', paymentIntentId: uniqueId('pi'), amount: 4500 }));
    expect((await waitUntilFinished(h, failedEventId)).status).to.equal('failed');
  });
  after(async () => {
    await h.close();
  });

  async function get(path: string, headers: Record<string, string>): Promise<Response> {
    return fetch(`${h.baseUrl}${path}`, { headers, redirect: 'manual' });
  }

  async function postReplay(headers: Record<string, string>, form: Record<string, string>): Promise<Response> {
    return fetch(`${h.baseUrl}/admin/webhook-events/${failedEventId}/replay`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(form),
    });
  }

  async function putQueue(action: 'pause' | 'resume', headers: Record<string, string>): Promise<Response> {
    return fetch(`${h.baseUrl}/admin/queues/api/queues/maintenance/${action}`, { method: 'PUT', headers });
  }

  describe('login', () => {
    it('redirects a browser to the login page', async () => {
      const response = await get('/admin?provider=stripe', HTML);
      expect(response.status).to.equal(303);
      expect(response.headers.get('location')).to.equal('/admin/login?next=%2Fadmin%3Fprovider%3Dstripe');
    });

    it('shows the login form', async () => {
      const response = await get('/admin/login', HTML);
      expect(response.status).to.equal(200);
      expect(response.headers.get('content-security-policy')).to.include("default-src 'none'");
      const page = await response.text();
      expect(page).to.include('<form method="post" action="/admin/login">');
      expect(page).to.include('name="password" type="password"');
    });

    it('returns 401 with a Basic challenge to other clients', async () => {
      const response = await get('/admin/queues/api/queues', {});
      expect(response.status).to.equal(401);
      expect(response.headers.get('www-authenticate')).to.match(/^Basic realm=/);
    });

    it('rejects a wrong password with 401 and the form again', async () => {
      const response = await postLogin(h, { username: ADMIN.username, password: 'not-the-password' });
      expect(response.status).to.equal(401);
      expect(response.headers.getSetCookie()).to.have.length(0);
      const page = await response.text();
      expect(page).to.include('Invalid username or password');
      expect(page).to.include('action="/admin/login"');
      expect(page).to.not.include('not-the-password');
    });

    it('rejects an unknown username', async () => {
      const response = await postLogin(h, { username: 'nobody', password: ADMIN.password });
      expect(response.status).to.equal(401);
    });

    it('sets an HttpOnly SameSite=Strict session cookie', async () => {
      const response = await postLogin(h, ADMIN);
      expect(response.status).to.equal(303);
      expect(response.headers.get('location')).to.equal('/admin');
      const [cookie] = response.headers.getSetCookie();
      expect(cookie).to.match(/^eventhex_admin=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+;/);
      expect(cookie).to.include('HttpOnly');
      expect(cookie).to.include('SameSite=Strict');
      expect(cookie).to.include('Path=/admin');
      expect(cookie).to.match(/Max-Age=\d+/);
      // PUBLIC_BASE_URL defaults to http://localhost, so the cookie is not Secure.
      expect(cookie).to.not.include('Secure');
    });

    it('opens /admin with the session cookie', async () => {
      const cookie = await loginCookie(h, ADMIN);
      const response = await get('/admin', { cookie, ...HTML });
      expect(response.status).to.equal(200);
      const page = await response.text();
      expect(page).to.include('Webhook log');
      expect(page).to.include('Webhook endpoints');
    });

    it('ignores a tampered session cookie', async () => {
      const cookie = await loginCookie(h, VIEWER);
      const [name, token] = cookie.split('=') as [string, string];
      const [payload, mac] = token.split('.') as [string, string];
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      const forged = Buffer.from(JSON.stringify({ ...claims, r: 'admin', u: ADMIN.username }), 'utf8').toString('base64url');
      const response = await get('/admin', { cookie: `${name}=${forged}.${mac}`, ...HTML });
      expect(response.status).to.equal(303);
      expect(response.headers.get('location')).to.match(/^\/admin\/login/);
    });

    it('redirects only to paths under /admin after login', () => {
      expect(safeAdminPath('/admin/webhook-events/5?replayed=5')).to.equal('/admin/webhook-events/5?replayed=5');
      expect(safeAdminPath('//evil.example/admin')).to.equal('/admin');
      expect(safeAdminPath('https://evil.example/admin')).to.equal('/admin');
      expect(safeAdminPath('/\\evil.example')).to.equal('/admin');
      expect(safeAdminPath('/api/v1/registrations')).to.equal('/admin');
      expect(safeAdminPath('/administrator')).to.equal('/admin');
    });

    it('logs out by clearing the cookie', async () => {
      const cookie = await loginCookie(h, ADMIN);
      const page = await (await get('/admin', { cookie, ...HTML })).text();
      const response = await fetch(`${h.baseUrl}/admin/logout`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ csrf_token: csrfTokenIn(page) }),
      });
      expect(response.status).to.equal(303);
      expect(response.headers.get('location')).to.equal('/admin/login');
      expect(response.headers.getSetCookie()[0]).to.match(/^eventhex_admin=; Max-Age=0; Path=\/admin/);
    });

    it('logs no password or cookie', async () => {
      const lines: string[] = [];
      const capture = new winston.transports.Stream({
        stream: new Writable({
          write(chunk: Buffer, _encoding, done) {
            lines.push(chunk.toString('utf8'));
            done();
          },
        }),
      });
      const level = h.logger.level;
      const consoles = h.logger.transports.filter((transport) => transport !== capture);
      for (const transport of consoles) transport.silent = true;
      h.logger.add(capture);
      h.logger.level = 'debug';
      try {
        await postLogin(h, { username: ADMIN.username, password: 'wrong-password-logged?' });
        const cookie = await loginCookie(h, ADMIN);
        await get('/admin', { cookie, ...HTML });
        await get('/admin', { authorization: basicAuth({ username: VIEWER.username, password: 'wrong-basic-password' }) });
        const output = lines.join('');
        expect(output).to.include('admin login failed');
        expect(output).to.include('admin logged in');
        for (const secret of ['wrong-password-logged?', 'wrong-basic-password', ADMIN.password, cookie.split('=')[1] as string]) {
          expect(output).to.not.include(secret);
        }
      } finally {
        h.logger.remove(capture);
        h.logger.level = level;
        for (const transport of consoles) transport.silent = false;
      }
    });
  });

  describe('HTTP Basic', () => {
    it('opens /admin with Basic credentials', async () => {
      const response = await get('/admin', { authorization: basicAuth(ADMIN), ...HTML });
      expect(response.status).to.equal(200);
    });

    it('lists every queue in the Bull Board API', async () => {
      const response = await get('/admin/queues/api/queues', { authorization: basicAuth(VIEWER) });
      expect(response.status).to.equal(200);
      const body = (await response.json()) as { queues: { name: string; readOnlyMode: boolean }[] };
      expect(body.queues.map((queue) => queue.name).sort()).to.deep.equal(['maintenance', 'payments', 'refunds', 'subscriptions']);
      expect(body.queues.every((queue) => queue.readOnlyMode)).to.equal(true);
    });

    it('serves the Bull Board page', async () => {
      const response = await get('/admin/queues', { authorization: basicAuth(ADMIN), ...HTML });
      expect(response.status).to.equal(200);
      const page = await response.text();
      expect(page).to.include('<base href="/admin/queues/" />');
      expect(page).to.include('EventHex queues');
    });

    it('rejects a wrong Basic password with 401', async () => {
      const response = await get('/admin', { authorization: basicAuth({ username: ADMIN.username, password: 'wrong-password-0000' }) });
      expect(response.status).to.equal(401);
      expect(response.headers.get('www-authenticate')).to.match(/^Basic/);
    });
  });

  describe('roles', () => {
    it('shows replay buttons to admins only', async () => {
      const action = `action="/admin/webhook-events/${failedEventId}/replay"`;
      const adminPage = await (await get('/admin', { authorization: basicAuth(ADMIN), ...HTML })).text();
      expect(adminPage).to.include(action);
      const viewerPage = await (await get('/admin', { authorization: basicAuth(VIEWER), ...HTML })).text();
      expect(viewerPage).to.include(`/admin/webhook-events/${failedEventId}"`);
      expect(viewerPage).to.not.include(action);
    });

    it('rejects a viewer replay with 403', async () => {
      const cookie = await loginCookie(h, VIEWER);
      const page = await (await get('/admin', { cookie, ...HTML })).text();
      const response = await postReplay({ cookie }, { csrf_token: csrfTokenIn(page) });
      expect(response.status).to.equal(403);
      const basic = await postReplay({ authorization: basicAuth(VIEWER) }, {});
      expect(basic.status).to.equal(403);
      const row = await h.database.db('webhook_events').where({ id: failedEventId }).first('replay_count');
      expect(row.replay_count).to.equal(0);
    });

    it('rejects a viewer Bull Board write with 403', async () => {
      const response = await putQueue('pause', { authorization: basicAuth(VIEWER) });
      expect(response.status).to.equal(403);
      expect(await h.services.producer.queue('maintenance').isPaused()).to.equal(false);
    });

    it('lets an admin pause and resume a queue', async () => {
      const pause = await putQueue('pause', { authorization: basicAuth(ADMIN) });
      expect(pause.status).to.equal(200);
      expect(await h.services.producer.queue('maintenance').isPaused()).to.equal(true);
      const resume = await putQueue('resume', { authorization: basicAuth(ADMIN) });
      expect(resume.status).to.equal(200);
      expect(await h.services.producer.queue('maintenance').isPaused()).to.equal(false);
    });
  });

  describe('CSRF', () => {
    it('rejects a cross-site Origin with 403', async () => {
      const replay = await postReplay({ authorization: basicAuth(ADMIN), origin: 'https://evil.example' }, {});
      expect(replay.status).to.equal(403);
      const board = await putQueue('pause', { authorization: basicAuth(ADMIN), origin: 'https://evil.example' });
      expect(board.status).to.equal(403);
      expect(((await board.json()) as { error: { code: string } }).error.code).to.equal('cross_site_request');
      expect(await h.services.producer.queue('maintenance').isPaused()).to.equal(false);
    });

    it('rejects Sec-Fetch-Site cross-site with 403', async () => {
      const response = await putQueue('pause', { authorization: basicAuth(ADMIN), 'sec-fetch-site': 'cross-site' });
      expect(response.status).to.equal(403);
    });

    it('rejects a cross-site login with 403', async () => {
      const response = await postLogin(h, ADMIN, { origin: 'https://evil.example' });
      expect(response.status).to.equal(403);
      expect(response.headers.getSetCookie()).to.have.length(0);
    });

    it('rejects a replay without the CSRF token', async () => {
      const cookie = await loginCookie(h, ADMIN);
      const missing = await postReplay({ cookie, origin: h.baseUrl }, {});
      expect(missing.status).to.equal(403);
      const wrong = await postReplay({ cookie, origin: h.baseUrl }, { csrf_token: 'A'.repeat(43) });
      expect(wrong.status).to.equal(403);
      const row = await h.database.db('webhook_events').where({ id: failedEventId }).first('replay_count');
      expect(row.replay_count).to.equal(0);
    });

    it('accepts a same-origin replay with the token', async () => {
      const cookie = await loginCookie(h, ADMIN);
      const page = await (await get(`/admin/webhook-events/${failedEventId}`, { cookie, ...HTML })).text();
      const response = await postReplay({ cookie, origin: h.baseUrl, 'sec-fetch-site': 'same-origin' }, { csrf_token: csrfTokenIn(page), return_to: '//evil.example/' });
      expect(response.status).to.equal(303);
      // A return path outside /admin falls back to the event's own page.
      expect(response.headers.get('location')).to.equal(`/admin/webhook-events/${failedEventId}?replayed=${failedEventId}`);
      expect((await waitUntilFinished(h, failedEventId)).status).to.equal('failed');
      const row = await h.database.db('webhook_events').where({ id: failedEventId }).first('replay_count');
      expect(row.replay_count).to.equal(1);
    });
  });

  describe('pages', () => {
    it('escapes payload values on the event page', async () => {
      const webhookPath = await createStripeConnection(h);
      const id = await postStripeEvent(h, webhookPath, stripePaymentSucceeded({ registrationId: '<script>alert(1)</script>', paymentIntentId: uniqueId('pi'), amount: 4500 }));
      await waitUntilFinished(h, id);
      const page = await (await get(`/admin/webhook-events/${id}`, { authorization: basicAuth(VIEWER), ...HTML })).text();
      expect(page).to.include('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(page).to.not.include('<script>');
    });

    it('shows an invalid filter as 400 with the reason', async () => {
      const response = await get('/admin?since=yesterday&status=bogus', { authorization: basicAuth(VIEWER), ...HTML });
      expect(response.status).to.equal(400);
      const page = await response.text();
      expect(page).to.include('Invalid filter');
      expect(page).to.include('since');
    });

    it('returns 404 for an unknown event id', async () => {
      const response = await get('/admin/webhook-events/999999', { authorization: basicAuth(VIEWER), ...HTML });
      expect(response.status).to.equal(404);
    });
  });

  // Runs last: it blocks this client's address for the rest of the window.
  describe('failed login limit', () => {
    it('unblocks an address after the window', () => {
      const limiter = new LoginLimiter(2, 60_000);
      limiter.recordFailure('192.0.2.1', 1_000);
      expect(limiter.retryAfterSeconds('192.0.2.1', 1_000)).to.equal(0);
      limiter.recordFailure('192.0.2.1', 2_000);
      expect(limiter.retryAfterSeconds('192.0.2.1', 2_000)).to.equal(59);
      expect(limiter.retryAfterSeconds('192.0.2.2', 2_000)).to.equal(0);
      expect(limiter.retryAfterSeconds('192.0.2.1', 61_000)).to.equal(0);
    });

    it('blocks an address after repeated failures', async () => {
      const cookie = await loginCookie(h, ADMIN);
      let blocked: Response | undefined;
      for (let attempt = 0; attempt <= MAX_FAILED_LOGINS && blocked === undefined; attempt += 1) {
        const response = await postLogin(h, { username: ADMIN.username, password: `wrong-password-${attempt}` });
        if (response.status === 429) blocked = response;
        else expect(response.status).to.equal(401);
      }
      expect(blocked, `no 429 within ${MAX_FAILED_LOGINS + 1} failed logins`).to.not.equal(undefined);
      expect(Number(blocked?.headers.get('retry-after'))).to.be.above(0);

      const right = await postLogin(h, ADMIN);
      expect(right.status).to.equal(429);
      const basic = await get('/admin', { authorization: basicAuth(ADMIN) });
      expect(basic.status).to.equal(429);
      // A session made before the block keeps working.
      const session = await get('/admin', { cookie, ...HTML });
      expect(session.status).to.equal(200);
    });
  });
});

describe('admin session cookie over https', () => {
  let h: Harness;

  before(async () => {
    h = await startHarness({ env: { ...ADMIN_ENV, PUBLIC_BASE_URL: 'https://ops.example.test' } });
  });
  after(async () => {
    await h.close();
  });

  it('is Secure', async () => {
    const response = await postLogin(h, ADMIN);
    expect(response.status).to.equal(303);
    expect(response.headers.getSetCookie()[0]).to.include('; Secure');
  });

  it('accepts the public origin on a POST', async () => {
    const response = await postLogin(h, ADMIN, { origin: 'https://ops.example.test' });
    expect(response.status).to.equal(303);
  });
});

describe('admin queues on the PostgreSQL backend', () => {
  let h: Harness;

  before(async () => {
    h = await startHarness({ env: { ...ADMIN_ENV, QUEUE_BACKEND: 'postgres' } });
  });
  after(async () => {
    await h.close();
  });

  it('lists every queue', async () => {
    const response = await fetch(`${h.baseUrl}/admin/queues/api/queues`, { headers: { authorization: basicAuth(ADMIN) } });
    expect(response.status).to.equal(200);
    const body = (await response.json()) as { queues: { name: string }[] };
    expect(body.queues.map((queue) => queue.name).sort()).to.deep.equal(['maintenance', 'payments', 'refunds', 'subscriptions']);
  });

  it('shows a message when the board cannot be built', async () => {
    const producer = {
      queue: () => {
        throw new Error('adapter does not support this queue');
      },
    } as unknown as WebhookProducer;
    const identity: AdminIdentity = { role: 'admin', username: ADMIN.username, method: 'basic', csrfToken: 'unused' };
    const app = express();
    app.use((_req, res, next) => {
      res.locals['adminIdentity'] = identity;
      next();
    });
    app.use('/admin/queues', queueBoards({ producer, backend: { kind: 'postgres' }, logger: createLogger({ env: 'test', level: 'error', silent: true }) }));
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/admin/queues`, { headers: HTML });
      expect(response.status).to.equal(503);
      const page = await response.text();
      expect(page).to.include('QUEUE_BACKEND=postgres');
      expect(page).to.include('adapter does not support this queue');
    } finally {
      server.close();
    }
  });
});
