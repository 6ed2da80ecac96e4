import { expect } from 'chai';
import { sleep } from '../helpers/receiver-requests.js';
import { createEventPlan, shuffledWithDuplicates, type EventPlan, type PlannedEvent } from './support/event-plan.js';
import { SimulatedProvider, deliverAll, runPool } from './support/provider.js';
import { createRandom, faultSeed } from './support/random.js';
import { startFaultStack, type FaultStack, type WebhookTargets } from './support/stack.js';
import { checkOutcome, printFigures, waitUntilProcessed } from './support/verify.js';

/** Seeds after the first: each run gets its own plan, order and duplicates. */
const SEED_COUNT = 3;
const EVENTS_PER_PLAN = 200;
/** Extra deliveries of random events, as a share of the plan's events. */
const DUPLICATE_SHARE = 0.3;
const PROCESSING_TIMEOUT_MS = 120_000;

/** Posts one event and waits until its webhook log row is processed, so the next event is applied after it. */
async function deliverAndWait(stack: FaultStack, provider: SimulatedProvider, event: PlannedEvent): Promise<void> {
  const result = await provider.deliver(event);
  const id = (result.body as { webhook_event_id?: number } | undefined)?.webhook_event_id;
  if (result.status !== 200 || id === undefined) throw new Error(`Delivery of ${event.providerEventId} returned ${result.status}`);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const row = await stack.database.db('webhook_events').where({ id }).first<{ status: string }>('status');
    if (row.status === 'processed') return;
    if (row.status === 'failed' || Date.now() > deadline) throw new Error(`Event ${event.providerEventId} ended ${row.status} during in-order delivery`);
    await sleep(10);
  }
}

/** Registrations of `actual` whose status or amounts differ from the same registration of `reference` (the plans have one shape). */
async function differences(stack: FaultStack, reference: EventPlan, actual: EventPlan): Promise<string[]> {
  const ids = [...reference.registrations, ...actual.registrations].map((registration) => registration.id);
  const rows = await stack.database.db('registrations').whereIn('id', ids).select<{ id: string; status: string; amount_paid: number; amount_refunded: number }[]>('id', 'status', 'amount_paid', 'amount_refunded');
  const state = new Map(rows.map((row) => [row.id, `${row.status} paid ${row.amount_paid} refunded ${row.amount_refunded}`]));
  const found: string[] = [];
  reference.registrations.forEach((registration, index) => {
    const other = actual.registrations[index];
    if (other === undefined || state.get(registration.id) !== state.get(other.id)) {
      found.push(`${registration.scenario}: in order ${state.get(registration.id)}, shuffled ${other === undefined ? 'missing' : state.get(other.id)}`);
    }
  });
  return found;
}

describe('faults: shuffled delivery', () => {
  const firstSeed = faultSeed(4_004);
  let stack: FaultStack | undefined;
  let targets: WebhookTargets;
  let expectedRows = 0;
  /** Plans of the seeds run so far in this database. */
  const earlierPlans: EventPlan[] = [];

  before(async () => {
    stack = await startFaultStack();
    await stack.startWorker();
    targets = await stack.createTargets();
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed' && stack !== undefined) console.log(stack.outputTail(30));
  });

  after(async () => {
    await stack?.close();
  });

  for (let n = 0; n < SEED_COUNT; n += 1) {
    const seed = (firstSeed + n) >>> 0;

    it(`matches in-order delivery, seed ${seed}`, async () => {
      const s = stack!;
      // Two plans from the same seed have the same scenarios and amounts, with their own ids.
      const inOrder = await createEventPlan(s, targets, createRandom(seed), { label: `o${n}`, minEvents: EVENTS_PER_PLAN });
      const shuffled = await createEventPlan(s, targets, createRandom(seed), { label: `s${n}`, minEvents: EVENTS_PER_PLAN });
      const orderRandom = createRandom(seed ^ 0x9e3779b9);
      const deliveries = shuffledWithDuplicates(orderRandom, shuffled.events, Math.round(shuffled.events.length * DUPLICATE_SHARE));
      const provider = new SimulatedProvider(s.baseUrl);

      // In order: each registration's events one after another, each applied before the next is sent.
      await runPool(inOrder.registrations, 16, async (registration) => {
        for (const event of registration.events) await deliverAndWait(s, provider, event);
      });
      const results = await deliverAll(provider, deliveries, { concurrency: 4 });
      expectedRows += inOrder.events.length + shuffled.events.length;
      const unfinished = await waitUntilProcessed(s.database.db, expectedRows, PROCESSING_TIMEOUT_MS);
      const inOrderOutcome = await checkOutcome(s.database.db, [inOrder], [shuffled, ...earlierPlans]);
      const outcome = await checkOutcome(s.database.db, [shuffled], [inOrder, ...earlierPlans]);
      earlierPlans.push(inOrder, shuffled);
      const differing = await differences(s, inOrder, shuffled);

      printFigures('shuffled delivery', {
        seed,
        sent: deliveries.length,
        events: shuffled.events.length,
        duplicates: deliveries.length - shuffled.events.length,
        registrations: shuffled.registrations.length,
        lost: outcome.lost,
        'double-applied': outcome.doubleApplied,
        mismatched: outcome.mismatched,
        'differ from in-order': differing.length,
        '5xx': provider.count(500, 599),
      });
      expect(results.filter((result) => result.status !== 200).length, 'shuffled deliveries without a 200').to.equal(0);
      expect(provider.count(500, 599), '5xx responses').to.equal(0);
      expect(unfinished, `rows not processed after ${PROCESSING_TIMEOUT_MS} ms: ${outcome.samples.join('; ')}`).to.equal(0);
      expect(inOrderOutcome.mismatched, `in-order registrations not in their planned state: ${inOrderOutcome.samples.join('; ')}`).to.equal(0);
      expect(differing, 'registrations whose shuffled state differs from in-order').to.deep.equal([]);
      expect(outcome.lost, `lost events: ${outcome.samples.join('; ')}`).to.equal(0);
      expect(outcome.doubleApplied, `double-applied effects: ${outcome.samples.join('; ')}`).to.equal(0);
      expect(outcome.mismatched, `registrations not in their planned state: ${outcome.samples.join('; ')}`).to.equal(0);
    });
  }
});
