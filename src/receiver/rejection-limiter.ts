import { MINUTE } from '../config/time.js';

/**
 * Limits how many rejected deliveries are written to the webhook log per
 * source and in total, so a flood of bad requests cannot fill the database.
 * Each window is one minute; counts live in this process only.
 */
export class RejectionLimiter {
  private windowStart = 0;
  private readonly perSource = new Map<string, number>();
  private total = 0;
  private suppressed = 0;

  constructor(private readonly maxPerSourcePerMinute: number, private readonly now: () => number = Date.now) {}

  /** Returns true when this rejection may be stored; counts the ones that may not. */
  allow(sourceKey: string): boolean {
    const now = this.now();
    if (now - this.windowStart >= MINUTE) {
      this.windowStart = now;
      this.perSource.clear();
      this.total = 0;
    }
    const count = this.perSource.get(sourceKey) ?? 0;
    // The global cap is ten sources' worth, so many fake sources cannot bypass the per-source cap.
    if (count >= this.maxPerSourcePerMinute || this.total >= this.maxPerSourcePerMinute * 10) {
      this.suppressed += 1;
      return false;
    }
    if (this.perSource.size < 10_000) this.perSource.set(sourceKey, count + 1);
    this.total += 1;
    return true;
  }

  /** Returns and resets the number of rejections not stored since the last call. */
  takeSuppressed(): number {
    const value = this.suppressed;
    this.suppressed = 0;
    return value;
  }
}
