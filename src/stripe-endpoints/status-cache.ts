import type { EndpointStatus } from './status.js';

/** Entries kept before expired ones are dropped on the next store. */
const PRUNE_ABOVE = 1000;

interface Entry {
  expiresAt: number;
  status: Promise<EndpointStatus | null>;
}

/**
 * Short-lived store of Stripe endpoint statuses for the status page, which
 * dashboards poll. Without it every poll made one Stripe request per managed
 * connection, and those count against the organiser's Stripe rate limit.
 * Reads of one key within `ttlMs` share one request, including reads that
 * arrive while it is in flight. An `unknown` status (Stripe failed or timed
 * out) is not kept, so the next read requests it again.
 */
export class EndpointStatusCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Returns the stored status of `key`, or stores and returns what `load` resolves to. */
  read(key: string, load: () => Promise<EndpointStatus | null>): Promise<EndpointStatus | null> {
    if (this.ttlMs === 0) return load();
    const now = this.now();
    const cached = this.entries.get(key);
    if (cached !== undefined && cached.expiresAt > now) return cached.status;

    const entry: Entry = { expiresAt: now + this.ttlMs, status: load() };
    this.prune(now);
    this.entries.set(key, entry);
    const forget = () => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    };
    entry.status.then((status) => {
      if (status?.status === 'unknown') forget();
    }, forget);
    return entry.status;
  }

  private prune(now: number): void {
    if (this.entries.size < PRUNE_ABOVE) return;
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }
}
