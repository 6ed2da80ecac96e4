import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import { signStripeBody } from '../src/providers/signing.js';
import { uniquePaymentBodies } from './bodies.js';
import type { BodySource, LoadMessage, LoadRequest, LoadResult } from './load-protocol.js';

/**
 * Load generator child process: receives one LoadRequest over IPC, runs
 * autocannon against it and sends back one LoadResult, then exits. It runs
 * apart from the server under test so the two do not share an event loop.
 *
 * Bodies and their `Stripe-Signature` headers are built before the clock
 * starts, so the generator does the same small amount of work per request
 * whatever the target. Signatures stay valid for the receiver's 300 s
 * tolerance, longer than any run.
 */

/** Latencies of every response, in milliseconds, grown as needed. */
class LatencyRecorder {
  private values = new Float64Array(1 << 16);
  private count = 0;

  record(milliseconds: number): void {
    if (this.count === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.count] = milliseconds;
    this.count += 1;
  }

  summary(): LoadResult['latencyMs'] {
    const sorted = this.values.subarray(0, this.count).sort();
    if (sorted.length === 0) return { p50: 0, p99: 0, max: 0, mean: 0 };
    const at = (fraction: number) => sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] ?? 0;
    let total = 0;
    for (const value of sorted) total += value;
    return { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] ?? 0, mean: total / sorted.length };
  }
}

/** A body with its `Stripe-Signature` header value. */
interface SignedBody {
  body: Buffer;
  signature: string;
}

/** Returns the next signed body for each call, and how many had to be built during the run. */
function bodyFeed(source: BodySource, secret: string): { next: () => SignedBody | undefined; builtDuringRun: () => number; total: number | undefined } {
  const sign = (body: string): SignedBody => ({ body: Buffer.from(body), signature: signStripeBody(body, secret) });
  if (source.kind === 'repeat') {
    const signed = sign(source.body);
    let sent = 0;
    return { next: () => (sent++ < source.count ? signed : undefined), builtDuringRun: () => 0, total: source.count };
  }
  if (source.kind === 'sequence') {
    const signed = source.bodies.map(sign);
    let index = 0;
    return { next: () => signed[index++], builtDuringRun: () => 0, total: signed.length };
  }

  const { registrationIds } = source;
  if (registrationIds.length === 0) throw new Error('unique-payments needs at least one registration id');
  const buildBody = uniquePaymentBodies(randomBytes(4).toString('hex'));
  let registration = 0;
  const build = () => sign(buildBody(registrationIds[registration++ % registrationIds.length] as string));
  const pool = Array.from({ length: source.precomputed }, build);
  let index = 0;
  let built = 0;
  return {
    next: () => {
      if (index < pool.length) return pool[index++];
      if (source.whenExhausted === 'cycle') {
        index = 1;
        return pool[0];
      }
      built += 1;
      return build();
    },
    builtDuringRun: () => built,
    total: undefined,
  };
}

async function run(request: LoadRequest): Promise<LoadResult> {
  const feed = bodyFeed(request.bodies, request.secret);
  const url = new URL(request.url);
  const latencies = new LatencyRecorder();

  const setupRequest = (req: autocannon.Request): autocannon.Request => {
    // autocannon's `amount` stops a sequence or repeat run before its bodies run out.
    const next = feed.next();
    if (next === undefined) throw new Error('Load generator ran out of bodies');
    return {
      ...req,
      method: 'POST',
      path: url.pathname,
      body: next.body,
      headers: { 'content-type': 'application/json', 'stripe-signature': next.signature },
    };
  };

  const options: autocannon.Options = {
    url: url.origin,
    connections: request.connections,
    pipelining: 1,
    timeout: 10,
    requests: [{ setupRequest }],
    ...(feed.total === undefined ? { duration: request.durationSeconds } : { amount: feed.total }),
  };

  return new Promise<LoadResult>((resolve, reject) => {
    const instance = autocannon(options, (error, result) => {
      clearTimeout(deadline);
      if (error) return reject(error instanceof Error ? error : new Error(String(error)));
      const statusCodes: Record<string, number> = {};
      for (const [code, stats] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = stats.count ?? 0;
      const completed = Object.values(statusCodes).reduce((total, count) => total + count, 0);
      resolve({
        connections: request.connections,
        startedAt: result.start.getTime(),
        durationSeconds: result.duration,
        completed,
        requestsPerSecond: result.duration > 0 ? completed / result.duration : 0,
        latencyMs: latencies.summary(),
        non2xx: result.non2xx,
        connectionErrors: result.errors - result.timeouts,
        timeouts: result.timeouts,
        statusCodes,
        bodiesBuiltDuringRun: feed.builtDuringRun(),
      });
    });
    // Bounds sequence and repeat runs, which autocannon would otherwise run until every request has a response.
    const deadline = setTimeout(() => instance.stop(), request.maxSeconds * 1000);
    (instance as unknown as NodeJS.EventEmitter).on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
      latencies.record(responseTime);
    });
  });
}

function send(message: LoadMessage): Promise<void> {
  return new Promise((resolve) => {
    if (process.send === undefined) {
      process.stdout.write(`${JSON.stringify(message)}\n`);
      resolve();
    } else {
      process.send(message, () => resolve());
    }
  });
}

process.once('message', (request: LoadRequest) => {
  run(request)
    .then((result) => send({ type: 'result', result }))
    .catch((error: unknown) => send({ type: 'error', message: error instanceof Error ? error.message : String(error) }))
    .finally(() => process.exit(0));
});
