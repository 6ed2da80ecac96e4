import type { WebhookSource } from './sources.js';

/** How long a found webhook source is reused, milliseconds. */
export const SOURCE_CACHE_TTL_MS = 5000;
/** Sources kept at most; the oldest entry goes first when full. */
export const SOURCE_CACHE_MAX_ENTRIES = 10_000;

/**
 * Webhook sources found recently, with their decrypted secrets, so a burst of
 * deliveries to one endpoint costs one query and one decryption instead of
 * one per delivery. Entries live `ttlMs`. Unknown sources are not cached, so
 * a connection created a moment ago is found at once.
 *
 * A cached entry can be stale for up to `ttlMs`. The receiver reloads the
 * source when a signature fails to verify with cached secrets, so a new
 * secret works at once.
 * NOTE: a removed secret, a deleted source or a previous Stripe secret past
 * `previous_secrets_expire_at` keeps verifying until the entry expires.
 */
export class SourceCache {
  private readonly entries = new Map<string, { source: WebhookSource; expiresAt: number }>();
  private readonly loading = new Map<string, Promise<WebhookSource | undefined>>();

  constructor(
    private readonly ttlMs = SOURCE_CACHE_TTL_MS,
    private readonly maxEntries = SOURCE_CACHE_MAX_ENTRIES,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Returns the source for `key`, from the cache or from `load`. Concurrent
   * misses for one key share a single load. `cached` is true when the
   * source came from the cache.
   */
  async get(key: string, load: () => Promise<WebhookSource | undefined>): Promise<{ source: WebhookSource | undefined; cached: boolean }> {
    const entry = this.entries.get(key);
    if (entry !== undefined && entry.expiresAt > this.now()) return { source: entry.source, cached: true };

    let pending = this.loading.get(key);
    if (pending === undefined) {
      pending = this.loadAndStore(key, load).finally(() => this.loading.delete(key));
      this.loading.set(key, pending);
    }
    return { source: await pending, cached: false };
  }

  /** Drops the entry for `key` and loads it again, without sharing a load that started earlier. */
  async reload(key: string, load: () => Promise<WebhookSource | undefined>): Promise<WebhookSource | undefined> {
    this.entries.delete(key);
    return this.loadAndStore(key, load);
  }

  private async loadAndStore(key: string, load: () => Promise<WebhookSource | undefined>): Promise<WebhookSource | undefined> {
    const source = await load();
    this.entries.delete(key);
    if (source === undefined) return undefined;
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { source, expiresAt: this.now() + this.ttlMs });
    return source;
  }
}
