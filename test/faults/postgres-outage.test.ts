import { expect } from 'chai';
import { TEST_DATABASE_URL } from '../helpers/database.js';
import { sleep } from '../helpers/receiver-requests.js';
import { createEventPlan, inOrderWithDuplicates } from './support/event-plan.js';
import { SimulatedProvider, deliverAll } from './support/provider.js';
import { createRandom, faultSeed } from './support/random.js';
import { startFaultStack, type FaultStack } from './support/stack.js';
import { CuttableTcpProxy } from './support/tcp-proxy.js';
import { checkOutcome, printFigures, waitUntilProcessed } from './support/verify.js';

const DELIVERIES = 1000;
const DUPLICATE_SHARE = 0.1;
/** Delivery rate, so the stream lasts about 17 s and the cut falls inside it. */
const DELIVERIES_PER_SECOND = 60;
const CUT_STARTS_AFTER_MS = 4000;
const CUT_MS = 6000;
/** Attempts that start this long after the cut have no pooled connection left to use, in milliseconds. */
const CUT_SETTLE_MS = 500;
/**
 * Retries like Stripe's, on a shorter clock: each non-2xx delivery is sent
 * again after doubling waits (0.25 s up to 4 s), at most 10 times, about 22 s in all.
 */
const PROVIDER_RETRY = { maxAttempts: 10, firstDelayMs: 250, maxDelayMs: 4000 };
const PROCESSING_TIMEOUT_MS = 120_000;

describe('faults: Postgres unreachable', () => {
  const seed = faultSeed(3_003);
  const target = new URL(TEST_DATABASE_URL);
  const proxy = new CuttableTcpProxy(Number(target.port || 5432), target.hostname);
  let stack: FaultStack | undefined;

  before(async () => {
    const port = await proxy.start();
    stack = await startFaultStack({
      serviceDatabaseUrl: (directUrl) => {
        const url = new URL(directUrl);
        url.hostname = '127.0.0.1';
        url.port = String(port);
        return url.toString();
      },
    });
    await stack.startWorker();
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed' && stack !== undefined) console.log(stack.outputTail(30));
  });

  after(async () => {
    try {
      await stack?.close();
    } finally {
      await proxy.close();
    }
  });

  it('returns 503 while cut, then applies once', async () => {
    const s = stack!;
    const random = createRandom(seed);
    const targets = await s.createTargets();
    const plan = await createEventPlan(s, targets, random, { label: 'p', minEvents: Math.ceil(DELIVERIES * (1 - DUPLICATE_SHARE)) });
    const deliveries = inOrderWithDuplicates(random, plan.events, DELIVERIES);

    let cutAt = 0;
    let restoredAt = 0;
    const duringCut = new Map<number, number>();
    const provider = new SimulatedProvider(s.baseUrl, PROVIDER_RETRY, ({ status, startedAt, endedAt }) => {
      if (cutAt !== 0 && startedAt >= cutAt + CUT_SETTLE_MS && (restoredAt === 0 || endedAt < restoredAt)) duringCut.set(status, (duringCut.get(status) ?? 0) + 1);
    });
    const cut = (async () => {
      await sleep(CUT_STARTS_AFTER_MS);
      await proxy.cut();
      cutAt = Date.now();
      await sleep(CUT_MS);
      await proxy.restore();
      restoredAt = Date.now();
    })();

    // Many lanes, so deliveries waiting to retry do not hold back the paced stream.
    const results = await deliverAll(provider, deliveries, { concurrency: 64, perSecond: DELIVERIES_PER_SECOND });
    await cut;
    const unfinished = await waitUntilProcessed(s.database.db, plan.events.length, PROCESSING_TIMEOUT_MS);
    const outcome = await checkOutcome(s.database.db, [plan]);
    const undelivered = results.filter((result) => result.status < 200 || result.status >= 300).length;
    const otherServerErrors = provider.count(500, 599) - provider.count(503);
    const attemptsDuringCut = [...duringCut.values()].reduce((sum, count) => sum + count, 0);
    // testEnv's 3 job attempts from 50 ms end within the cut, so jobs fail there and the sweeper retries them after it.
    const retriedJobs = s.outputLines(/whose jobs were lost/).reduce((sum, line) => sum + Number(/retried=(\d+)/.exec(line)?.[1] ?? 0), 0);

    printFigures('Postgres unreachable', {
      seed,
      sent: deliveries.length,
      events: plan.events.length,
      lost: outcome.lost,
      'double-applied': outcome.doubleApplied,
      mismatched: outcome.mismatched,
      '503s': provider.count(503),
      'other 5xx': otherServerErrors,
      'no response': provider.count(0),
      retries: provider.requests - deliveries.length,
      'failed jobs retried': retriedJobs,
      'cut s': ((restoredAt - cutAt) / 1000).toFixed(1),
    });
    expect(attemptsDuringCut, 'deliveries attempted while the proxy was cut').to.be.greaterThan(0);
    expect(duringCut.get(503), `503 responses among ${JSON.stringify([...duringCut])} while cut`).to.equal(attemptsDuringCut);
    expect(otherServerErrors, '5xx responses other than 503').to.equal(0);
    expect(undelivered, 'deliveries still without a 2xx after the last retry').to.equal(0);
    expect(unfinished, `rows not processed after ${PROCESSING_TIMEOUT_MS} ms: ${outcome.samples.join('; ')}`).to.equal(0);
    expect(outcome.lost, `lost events: ${outcome.samples.join('; ')}`).to.equal(0);
    expect(outcome.doubleApplied, `double-applied effects: ${outcome.samples.join('; ')}`).to.equal(0);
    expect(outcome.mismatched, `registrations not in their planned state: ${outcome.samples.join('; ')}`).to.equal(0);
  });
});
