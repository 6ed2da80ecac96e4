import { expect } from 'chai';
import { sleep } from '../helpers/receiver-requests.js';
import { createEventPlan, inOrderWithDuplicates } from './support/event-plan.js';
import { SimulatedProvider, deliverAll } from './support/provider.js';
import { createRandom, faultSeed } from './support/random.js';
import { startFaultStack, type FaultStack } from './support/stack.js';
import { checkOutcome, printFigures, waitUntilProcessed } from './support/verify.js';

const DELIVERIES = 5000;
/** Share of the deliveries that repeat an event already sent. */
const DUPLICATE_SHARE = 0.1;
const WORKER_PROCESSES = 2;
/** Bounds of the kill loop: kills, and the time a worker runs between being ready and its kill, in milliseconds. */
const MAX_KILLS = 12;
const KILL_AFTER_MS = { min: 500, max: 4000 };
const PROCESSING_TIMEOUT_MS = 180_000;

describe('faults: worker SIGKILL', () => {
  const seed = faultSeed(1_001);
  let stack: FaultStack | undefined;

  before(async () => {
    stack = await startFaultStack();
    for (let n = 0; n < WORKER_PROCESSES; n += 1) await stack.startWorker();
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed' && stack !== undefined) console.log(stack.outputTail(30));
  });

  after(async () => {
    await stack?.close();
  });

  it('applies every event once across kills', async () => {
    const s = stack!;
    const random = createRandom(seed);
    const targets = await s.createTargets();
    const plan = await createEventPlan(s, targets, random, { label: 'k', minEvents: Math.ceil(DELIVERIES * (1 - DUPLICATE_SHARE)) });
    const deliveries = inOrderWithDuplicates(random, plan.events, DELIVERIES);
    const provider = new SimulatedProvider(s.baseUrl);

    // Kills one worker at a seeded moment, restarts it and waits until it is ready, while events are sent and processed.
    let working = true;
    const killLoop = (async () => {
      let kills = 0;
      while (working && kills < MAX_KILLS) {
        await sleep(random.int(KILL_AFTER_MS.min, KILL_AFTER_MS.max));
        if (!working) break;
        await s.killWorker(random.pick(s.workers));
        kills += 1;
        await s.startWorker();
      }
      return kills;
    })();

    const startedAt = Date.now();
    await deliverAll(provider, deliveries, { concurrency: 16 });
    await waitUntilProcessed(s.database.db, plan.events.length, PROCESSING_TIMEOUT_MS).finally(() => {
      working = false;
    });
    const kills = await killLoop;
    // Jobs stalled by the last kill finish after it, so wait once more without kills.
    const unfinished = await waitUntilProcessed(s.database.db, plan.events.length, 30_000);
    const outcome = await checkOutcome(s.database.db, [plan]);
    const serverErrors = provider.count(500, 599);
    // Rows attempted more than once are events whose job a kill interrupted (or a refund that waited for its payment).
    const rerunRows = await s.database.db('webhook_events').where('attempts', '>', 1).count<{ count: number }[]>({ count: '*' });
    const maxAttempts = await s.database.db('webhook_events').max<{ max: number }[]>({ max: 'attempts' });
    const stalledJobs = s.outputLines(/job stalled; it will run again/).length;
    const notDelivered = deliveries.length - provider.count(200, 299);

    printFigures('worker SIGKILL', {
      seed,
      sent: deliveries.length,
      events: plan.events.length,
      registrations: plan.registrations.length,
      lost: outcome.lost,
      'double-applied': outcome.doubleApplied,
      mismatched: outcome.mismatched,
      '5xx': serverErrors,
      kills,
      'stalled jobs': stalledJobs,
      'rows attempted twice or more': Number(rerunRows[0]?.count),
      'most attempts of one row': Number(maxAttempts[0]?.max),
      seconds: ((Date.now() - startedAt) / 1000).toFixed(1),
    });
    expect(notDelivered, 'deliveries without a 2xx response').to.equal(0);
    expect(serverErrors, '5xx responses').to.equal(0);
    expect(kills, 'workers killed').to.be.greaterThan(0);
    expect(stalledJobs, 'jobs a kill interrupted and another worker ran again').to.be.greaterThan(0);
    expect(unfinished, `rows not processed at the deadline: ${outcome.samples.join('; ')}`).to.equal(0);
    expect(outcome.lost, `lost events: ${outcome.samples.join('; ')}`).to.equal(0);
    expect(outcome.doubleApplied, `double-applied effects: ${outcome.samples.join('; ')}`).to.equal(0);
    expect(outcome.mismatched, `registrations not in their planned state: ${outcome.samples.join('; ')}`).to.equal(0);
  });
});
