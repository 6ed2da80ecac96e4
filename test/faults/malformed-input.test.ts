import { expect } from 'chai';
import { createRandom, faultSeed } from './support/random.js';
import { malformedRequests, type MalformedRequest } from './support/malformed-requests.js';
import { runPool } from './support/provider.js';
import { sendRaw } from './support/raw-http.js';
import { startFaultStack, type FaultStack } from './support/stack.js';
import { printFigures } from './support/verify.js';

const REQUESTS = 10_000;
const CONCURRENCY = 32;

/** Row counts of the tables a malformed request must not change. */
async function tableCounts(stack: FaultStack): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of ['registrations', 'payments', 'refunds', 'events', 'payment_connections', 'subscriptions']) {
    const rows = await stack.database.db(table).count<{ count: number }[]>({ count: '*' });
    counts[table] = Number(rows[0]?.count);
  }
  return counts;
}

/** Shows the start of a request with bytes outside printable ASCII escaped, for a failure message. */
function describeRequest(request: MalformedRequest): string {
  const head = request.bytes.subarray(0, 300).toString('latin1').replace(/[^\x20-\x7e]/g, (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return `${request.kind}: ${head}`;
}

describe('faults: malformed input', () => {
  const seed = faultSeed(5_005);
  let stack: FaultStack | undefined;

  before(async () => {
    stack = await startFaultStack();
    await stack.startWorker();
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed' && stack !== undefined) console.log(stack.outputTail(30));
  });

  after(async () => {
    await stack?.close();
  });

  it('returns 4xx and stores only rejections', async () => {
    const s = stack!;
    const random = createRandom(seed);
    const targets = await s.createTargets();
    const before = await tableCounts(s);
    const nextRequest = malformedRequests({ ...targets, usdEventId: targets.usdEventId, apiKey: s.apiKey });

    const byStatus = new Map<string, number>();
    const serverErrors: string[] = [];
    const successes: string[] = [];
    const startedAt = Date.now();
    // Requests are generated in index order as lanes take them, so the seed fixes the sequence.
    await runPool(Array.from({ length: REQUESTS }, (_, index) => index), CONCURRENCY, async () => {
      const request = nextRequest(random);
      const response = await sendRaw(s.port, request.bytes);
      const label = response.status === null ? 'no response' : String(response.status);
      byStatus.set(label, (byStatus.get(label) ?? 0) + 1);
      if (response.status !== null && response.status >= 500) serverErrors.push(`${response.status} ${describeRequest(request)}`);
      if (response.status !== null && response.status < 400) successes.push(`${response.status} ${describeRequest(request)}`);
    });
    const seconds = (Date.now() - startedAt) / 1000;

    const alive = [s.web, ...s.workers].filter((service) => service !== undefined && service.child.exitCode === null && service.child.signalCode === null).length;
    const health = await fetch(`${s.baseUrl}/healthz`).then((response) => response.status, () => 0);
    const storedRows = await s.database.db('webhook_events').groupBy('status').select<{ status: string; count: number }[]>('status', s.database.db.raw('count(*)::int AS count'));
    const rejectedRows = storedRows.find((row) => row.status === 'rejected')?.count ?? 0;
    const otherRows = storedRows.filter((row) => row.status !== 'rejected');
    const after = await tableCounts(s);
    const count = (predicate: (status: number) => boolean) =>
      [...byStatus].filter(([label]) => label !== 'no response' && predicate(Number(label))).reduce((sum, [, n]) => sum + n, 0);

    printFigures('malformed input', {
      seed,
      sent: REQUESTS,
      '4xx': count((status) => status >= 400 && status < 500),
      '5xx': serverErrors.length,
      '2xx/3xx': successes.length,
      'no response': byStatus.get('no response') ?? 0,
      'rejected rows': rejectedRows,
      'other rows': otherRows.reduce((sum, row) => sum + row.count, 0),
      'processes alive': `${alive}/2`,
      seconds: seconds.toFixed(1),
      'by status': [...byStatus].sort().map(([label, n]) => `${label}:${n}`).join(' '),
    });
    expect(serverErrors.length, `5xx responses, first ones: ${serverErrors.slice(0, 5).join(' | ')}`).to.equal(0);
    expect(successes.length, `non-4xx responses to bad input, first ones: ${successes.slice(0, 5).join(' | ')}`).to.equal(0);
    expect(alive, 'service processes still running').to.equal(2);
    expect(health, 'GET /healthz status').to.equal(200);
    expect(otherRows, 'webhook log rows other than rejected').to.deep.equal([]);
    expect(after, 'row counts after the requests').to.deep.equal(before);
  });
});
