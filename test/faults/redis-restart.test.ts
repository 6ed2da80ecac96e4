import { expect } from 'chai';
import { freePort, sleep } from '../helpers/receiver-requests.js';
import { createEventPlan, inOrderWithDuplicates } from './support/event-plan.js';
import { SimulatedProvider, deliverAll } from './support/provider.js';
import { createRandom, faultSeed } from './support/random.js';
import { OwnRedisServer } from './support/redis-server.js';
import { startFaultStack, type FaultStack } from './support/stack.js';
import { checkOutcome, printFigures, waitUntilProcessed } from './support/verify.js';

const DELIVERIES = 1200;
const DUPLICATE_SHARE = 0.1;
/** Delivery rate, so the stream lasts about 20 s and the outage falls inside it. */
const DELIVERIES_PER_SECOND = 60;
const OUTAGE_STARTS_AFTER_MS = 4000;
const OUTAGE_MS = 10_000;
const PROCESSING_TIMEOUT_MS = 120_000;

describe('faults: Redis restart', () => {
  const seed = faultSeed(2_002);
  let redis: OwnRedisServer | undefined;
  let stack: FaultStack | undefined;

  before(async () => {
    redis = new OwnRedisServer(await freePort());
    await redis.start();
    stack = await startFaultStack({ redisUrl: redis.url, ownRedis: true });
    await stack.startWorker();
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed' && stack !== undefined) console.log(stack.outputTail(30));
  });

  after(async () => {
    try {
      await stack?.close();
    } finally {
      await redis?.stop();
    }
  });

  it('stores during the outage and sweeps after it', async () => {
    const s = stack!;
    const server = redis!;
    const random = createRandom(seed);
    const targets = await s.createTargets();
    const plan = await createEventPlan(s, targets, random, { label: 'r', minEvents: Math.ceil(DELIVERIES * (1 - DUPLICATE_SHARE)) });
    const deliveries = inOrderWithDuplicates(random, plan.events, DELIVERIES);
    const provider = new SimulatedProvider(s.baseUrl);

    let outageStartedAt = 0;
    let outageEndedAt = 0;
    const outage = (async () => {
      await sleep(OUTAGE_STARTS_AFTER_MS);
      await server.stop();
      outageStartedAt = Date.now();
      await sleep(OUTAGE_MS);
      await server.start();
      outageEndedAt = Date.now();
    })();

    // Counts the responses that arrive while Redis is down, and the 2xx responses for events stored without a job (status `received`).
    let storedNotEnqueued = 0;
    let duringOutage = 0;
    const results = await deliverAll(provider, deliveries, {
      concurrency: 8,
      perSecond: DELIVERIES_PER_SECOND,
      onResult: (_event, result) => {
        if (outageStartedAt !== 0 && outageEndedAt === 0) duringOutage += 1;
        if ((result.body as { status?: string } | undefined)?.status === 'received') storedNotEnqueued += 1;
      },
    });
    await outage;
    const unfinished = await waitUntilProcessed(s.database.db, plan.events.length, PROCESSING_TIMEOUT_MS);
    const outcome = await checkOutcome(s.database.db, [plan]);
    const non2xx = results.filter((result) => result.status < 200 || result.status >= 300).length;
    const requeued = s.outputLines(/whose jobs were lost/).reduce((sum, line) => sum + Number(/requeued=(\d+)/.exec(line)?.[1] ?? 0), 0);
    const schedulersRestored = s.outputLines(/job scheduler was missing/).length;

    printFigures('Redis restart', {
      seed,
      sent: deliveries.length,
      events: plan.events.length,
      lost: outcome.lost,
      'double-applied': outcome.doubleApplied,
      mismatched: outcome.mismatched,
      '5xx': provider.count(500, 599),
      'non-2xx': non2xx,
      'outage s': ((outageEndedAt - outageStartedAt) / 1000).toFixed(1),
      'responses during outage': duringOutage,
      'stored not enqueued': storedNotEnqueued,
      'lost jobs requeued': requeued,
      'schedulers restored': schedulersRestored,
    });
    expect(duringOutage, 'responses while Redis was down').to.be.greaterThan(0);
    expect(storedNotEnqueued, 'deliveries stored without a job').to.be.greaterThan(0);
    expect(non2xx, 'deliveries without a 2xx response').to.equal(0);
    expect(unfinished, `rows not processed after ${PROCESSING_TIMEOUT_MS} ms: ${outcome.samples.join('; ')}`).to.equal(0);
    expect(outcome.lost, `lost events: ${outcome.samples.join('; ')}`).to.equal(0);
    expect(outcome.doubleApplied, `double-applied effects: ${outcome.samples.join('; ')}`).to.equal(0);
    expect(outcome.mismatched, `registrations not in their planned state: ${outcome.samples.join('; ')}`).to.equal(0);
  });
});
