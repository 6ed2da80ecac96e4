import { existsSync } from 'node:fs';
import { expect } from 'chai';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ADMIN, ADMIN_ENV } from './helpers/admin.js';
import { startHarness, waitFor, type Harness } from './helpers/harness.js';
import { newId } from '../src/crypto/ids.js';
import {
  createStripeConnection,
  createTicketingEvent,
  getRegistration,
  postStripeEvent,
  stripePaymentSucceeded,
  uniqueId,
  waitUntilFinished,
} from './helpers/processing.js';

const CHROMIUM_PATH = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** Set to a file path to save a full-page screenshot of /admin there, for looking at the page. */
const SCREENSHOT_PATH = process.env['ADMIN_SCREENSHOT'];

describe('admin UI in Chromium', function () {
  this.timeout(90_000);
  let h: Harness | undefined;
  let browser: Browser | undefined;

  before(async function () {
    if (!existsSync(CHROMIUM_PATH)) {
      console.warn(`      skipped: ${CHROMIUM_PATH} not found; install Debian's chromium package (.ci/run does) to run the browser test`);
      this.skip();
    }
    h = await startHarness({ workers: true, env: ADMIN_ENV });
    // Playwright's launch starts Chromium with a fresh temporary profile (user-data dir) and deletes it on close.
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  });
  after(async () => {
    await browser?.close();
    await h?.close();
  });

  /** Opens a page whose requests may reach only the harness; anything else (such as Bull Board's web font) is aborted. */
  async function newPage(): Promise<{ page: Page; blocked: string[] }> {
    const context = await (browser as Browser).newContext({ viewport: { width: 1440, height: 900 } });
    const blocked: string[] = [];
    await context.route(
      (url) => url.hostname !== '127.0.0.1',
      async (route) => {
        blocked.push(route.request().url());
        await route.abort();
      },
    );
    return { page: await context.newPage(), blocked };
  }

  it('logs in, finds a failed event and replays it', async () => {
    const harness = h as Harness;
    const base = harness.baseUrl;
    const eventId = await createTicketingEvent(harness, { currency: 'USD' });
    const webhookPath = await createStripeConnection(harness);
    const paymentIntentId = uniqueId('pi');
    // No registration has this id yet, so the first run fails.
    const webhookEventId = await postStripeEvent(harness, webhookPath, stripePaymentSucceeded({ registrationId: 'reg_BROWSER00000001', paymentIntentId, amount: 4500 }));
    expect((await waitUntilFinished(harness, webhookEventId)).status).to.equal('failed');

    const { page } = await newPage();
    await page.goto(`${base}/admin`);
    expect(new URL(page.url()).pathname).to.equal('/admin/login');
    await page.fill('input[name="username"]', ADMIN.username);
    await page.fill('input[name="password"]', ADMIN.password);
    await Promise.all([page.waitForURL(`${base}/admin`), page.click('button[type="submit"]')]);
    expect(await page.locator('h2').first().textContent()).to.include('Webhook endpoints');

    await page.goto(`${base}/admin/queues`);
    await page.getByText('payments', { exact: true }).first().waitFor({ timeout: 15_000 });

    await page.goto(`${base}/admin`);
    await page.fill('input[name="q"]', paymentIntentId);
    await Promise.all([page.waitForURL(/[?&]q=/), page.click('form.filters button[type="submit"]')]);
    const eventLinks = page.locator('tbody a[href^="/admin/webhook-events/"]');
    expect(await eventLinks.count()).to.equal(1);
    expect(await page.locator('tbody .badge').first().textContent()).to.equal('failed');

    await Promise.all([page.waitForURL(`${base}/admin/webhook-events/${webhookEventId}`), eventLinks.first().click()]);
    const payload = (await page.locator('pre.payload').textContent()) ?? '';
    expect(payload).to.include(`"id": "${paymentIntentId}"`);
    expect(payload).to.include('"type": "payment_intent.succeeded"');

    // Inserted directly: creating it through the API would replay the failed payment by itself,
    // and this test is about the replay button.
    const registrationId = newId('reg');
    await harness.database.db('registrations').insert({
      id: registrationId,
      organisation_id: harness.organisationId,
      event_id: eventId,
      email: 'attendee@example.com',
      name: 'Attendee',
      amount_due: 4500,
      currency: 'USD',
      provider_payment_id: paymentIntentId,
    });
    await Promise.all([page.waitForURL(/[?&]replayed=/), page.click('button:has-text("Replay this event")')]);
    await waitFor(
      async () => {
        await page.reload();
        return (await page.locator('dl.meta .badge').textContent()) === 'processed' ? true : undefined;
      },
      20_000,
      'the event page to show processed',
    );

    const row = await harness.database.db('webhook_events').where({ id: webhookEventId }).first('status', 'replay_count');
    expect(row.status).to.equal('processed');
    expect(row.replay_count).to.equal(1);
    const registration = await getRegistration(harness, registrationId);
    expect(registration.status).to.equal('confirmed');

    if (SCREENSHOT_PATH !== undefined) {
      await page.goto(`${base}/admin`);
      await page.screenshot({ path: SCREENSHOT_PATH, fullPage: true });
    }
  });
});
