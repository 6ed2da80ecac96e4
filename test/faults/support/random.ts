/**
 * Seeded pseudo-random numbers for the fault suite (mulberry32: 32-bit state,
 * period 2^32). It is not for cryptography, only for making a run repeatable from its seed.
 */
export interface Random {
  readonly seed: number;
  /** Returns a float in [0, 1). */
  next(): number;
  /** Returns an integer in [min, max], both included. */
  int(min: number, max: number): number;
  chance(probability: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** Picks an item with probability proportional to its weight. */
  weighted<T>(items: readonly (readonly [T, number])[]): T;
  /** Shuffles `items` in place (Fisher-Yates) and returns it. */
  shuffle<T>(items: T[]): T[];
  bytes(length: number): Buffer;
  /** Returns `length` characters from `alphabet`. */
  text(length: number, alphabet?: string): string;
}

const ALPHANUMERIC = '0123456789abcdefghijklmnopqrstuvwxyz';

export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  return {
    seed: seed >>> 0,
    next,
    int,
    chance: (probability) => next() < probability,
    pick<T>(items: readonly T[]): T {
      if (items.length === 0) throw new Error('Cannot pick from an empty list');
      return items[int(0, items.length - 1)] as T;
    },
    weighted<T>(items: readonly (readonly [T, number])[]): T {
      const total = items.reduce((sum, [, weight]) => sum + weight, 0);
      let point = next() * total;
      for (const [item, weight] of items) {
        point -= weight;
        if (point < 0) return item;
      }
      const last = items[items.length - 1];
      if (last === undefined) throw new Error('Cannot pick from an empty list');
      return last[0];
    },
    shuffle<T>(items: T[]): T[] {
      for (let i = items.length - 1; i > 0; i -= 1) {
        const j = int(0, i);
        [items[i], items[j]] = [items[j] as T, items[i] as T];
      }
      return items;
    },
    bytes(length) {
      const buffer = Buffer.alloc(length);
      for (let i = 0; i < length; i += 1) buffer[i] = int(0, 255);
      return buffer;
    },
    text(length, alphabet = ALPHANUMERIC) {
      let out = '';
      for (let i = 0; i < length; i += 1) out += alphabet[int(0, alphabet.length - 1)];
      return out;
    },
  };
}

/**
 * Returns the seed for one fault test: `FAULTS_SEED` when set (to replay a
 * printed run), otherwise the test's fixed default, so CI runs the same plans.
 */
export function faultSeed(defaultSeed: number): number {
  const configured = process.env['FAULTS_SEED'];
  if (configured === undefined || configured === '') return defaultSeed;
  const seed = Number(configured);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new Error(`FAULTS_SEED must be an integer from 0 to 4294967295, got ${configured}`);
  return seed;
}
