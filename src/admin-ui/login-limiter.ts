/** Failed logins one IP address may make within a window before it is blocked until the window ends. */
export const MAX_FAILED_LOGINS = 10;
export const FAILED_LOGIN_WINDOW_MS = 15 * 60 * 1000;
/** Addresses tracked at once; past this the oldest entry is dropped, which bounds memory under a spray of addresses. */
const MAX_TRACKED_ADDRESSES = 10_000;

interface Entry {
  failures: number;
  windowStartMs: number;
}

/**
 * Counts failed admin logins (form and Basic authentication) per client IP,
 * in memory. Each web process counts on its own, so with N processes an
 * address gets up to N times the limit.
 *
 * NOTE: the service does not trust proxy headers, so behind a reverse proxy
 * every client shares the proxy's address and one client's failures block all.
 */
export class LoginLimiter {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly maxFailures = MAX_FAILED_LOGINS,
    private readonly windowMs = FAILED_LOGIN_WINDOW_MS,
  ) {}

  /** Seconds until the address may try again, or 0 when it is not blocked. */
  retryAfterSeconds(address: string, nowMs = Date.now()): number {
    const entry = this.current(address, nowMs);
    if (entry === undefined || entry.failures < this.maxFailures) return 0;
    return Math.max(1, Math.ceil((entry.windowStartMs + this.windowMs - nowMs) / 1000));
  }

  /** Records a failure and returns the failures of the address in the current window. */
  recordFailure(address: string, nowMs = Date.now()): number {
    const entry = this.current(address, nowMs) ?? { failures: 0, windowStartMs: nowMs };
    entry.failures += 1;
    // Re-inserting moves the address to the end, so eviction drops the least recently failing one.
    this.entries.delete(address);
    this.entries.set(address, entry);
    if (this.entries.size > MAX_TRACKED_ADDRESSES) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    return entry.failures;
  }

  private current(address: string, nowMs: number): Entry | undefined {
    const entry = this.entries.get(address);
    if (entry !== undefined && nowMs - entry.windowStartMs >= this.windowMs) {
      this.entries.delete(address);
      return undefined;
    }
    return entry;
  }
}
