import { RAZORPAY_SECRET, STRIPE_SECRET } from '../../helpers/harness.js';
import { sleep } from '../../helpers/receiver-requests.js';
import { razorpaySignature, stripeSignature } from '../../helpers/sign.js';
import type { PlannedEvent } from './event-plan.js';

/** How a simulated provider retries a delivery that did not get a 2xx: doubling waits, then it gives up. */
export interface RetryPolicy {
  maxAttempts: number;
  firstDelayMs: number;
  maxDelayMs: number;
}

export interface DeliveryResult {
  /** Status of the last attempt, or 0 when the request itself failed (connection refused or reset, timeout). */
  status: number;
  attempts: number;
  /** JSON body of the last response, or undefined when it had none. */
  body: unknown;
}

/** Maximum wait for one response, in milliseconds. A healthy receiver responds in well under a second. */
const REQUEST_TIMEOUT_MS = 15_000;

/**
 * Sends planned events the way a provider does: signed at send time, and
 * with a retry policy, sent again after each non-2xx response until a 2xx
 * or the last attempt. Counts every response by status.
 */
export class SimulatedProvider {
  /** Responses by HTTP status over every attempt. Status 0 counts requests that got no response. */
  readonly statusCounts = new Map<number, number>();
  requests = 0;

  constructor(
    private readonly baseUrl: string,
    private readonly retry?: RetryPolicy,
    /** Called after every attempt with its status and when it started and ended (Date.now()). */
    private readonly onAttempt?: (attempt: { status: number; startedAt: number; endedAt: number }) => void,
  ) {}

  async deliver(event: PlannedEvent): Promise<DeliveryResult> {
    const maxAttempts = this.retry?.maxAttempts ?? 1;
    let response = { status: 0, body: undefined as unknown };
    for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
      const startedAt = Date.now();
      response = await this.send(event);
      this.onAttempt?.({ status: response.status, startedAt, endedAt: Date.now() });
      this.statusCounts.set(response.status, (this.statusCounts.get(response.status) ?? 0) + 1);
      if (response.status >= 200 && response.status < 300) return { ...response, attempts: attempt };
      if (this.retry !== undefined && attempt < maxAttempts) {
        await sleep(Math.min(this.retry.firstDelayMs * 2 ** (attempt - 1), this.retry.maxDelayMs));
      }
    }
    return { ...response, attempts: maxAttempts };
  }

  /** Returns how many responses had a status in [from, to]. */
  count(from: number, to: number = from): number {
    let total = 0;
    for (const [status, count] of this.statusCounts) if (status >= from && status <= to) total += count;
    return total;
  }

  private async send(event: PlannedEvent): Promise<{ status: number; body: unknown }> {
    this.requests += 1;
    const headers: Record<string, string> =
      event.provider === 'stripe'
        ? { 'content-type': 'application/json', 'stripe-signature': stripeSignature(event.body, STRIPE_SECRET) }
        : { 'content-type': 'application/json', 'x-razorpay-signature': razorpaySignature(event.body, RAZORPAY_SECRET), 'x-razorpay-event-id': event.providerEventId };
    try {
      const response = await fetch(`${this.baseUrl}${event.path}`, { method: 'POST', headers, body: event.body, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      const text = await response.text();
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      return { status: response.status, body };
    } catch {
      return { status: 0, body: undefined };
    }
  }
}

/** Runs `work` over `items` in item order, with at most `concurrency` at a time. Rejects with the first error. */
export async function runPool<T>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let nextIndex = 0;
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (nextIndex < items.length) {
      const index = nextIndex;
      nextIndex += 1;
      await work(items[index] as T, index);
    }
  });
  await Promise.all(lanes);
}

/**
 * Delivers events with `concurrency` requests in flight. With `perSecond`,
 * delivery i does not start before i / perSecond seconds, so a fault can be
 * timed to land in the middle of the stream.
 */
export async function deliverAll(
  provider: SimulatedProvider,
  deliveries: readonly PlannedEvent[],
  options: { concurrency: number; perSecond?: number; onResult?: (event: PlannedEvent, result: DeliveryResult, index: number) => void },
): Promise<DeliveryResult[]> {
  const results: DeliveryResult[] = new Array(deliveries.length);
  const startedAt = Date.now();
  await runPool(deliveries, options.concurrency, async (event, index) => {
    if (options.perSecond !== undefined) {
      const wait = startedAt + (index * 1000) / options.perSecond - Date.now();
      if (wait > 0) await sleep(wait);
    }
    const result = await provider.deliver(event);
    results[index] = result;
    options.onResult?.(event, result, index);
  });
  return results;
}
