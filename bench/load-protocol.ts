/** Messages between the benchmark and its load generator child process (bench/load-generator.ts). */

/** Source of the bodies of a load run. Every body is signed with `secret` before the clock starts. */
export type BodySource =
  /**
   * A new `payment_intent.succeeded` event per request, for registrations
   * taken in turn from the list. `precomputed` bodies are built and signed
   * before the run. When they run out, `build` makes and signs more during
   * the run (counted in the result), so every request stays a new event.
   * `cycle` starts again from the first, for baselines that ignore bodies.
   */
  | { kind: 'unique-payments'; registrationIds: string[]; precomputed: number; whenExhausted: 'build' | 'cycle' }
  /** The given bodies in order, each once; the run sends exactly `bodies.length` requests. */
  | { kind: 'sequence'; bodies: string[] }
  /** One body sent `count` times. */
  | { kind: 'repeat'; body: string; count: number };

export interface LoadRequest {
  /** Full URL of the webhook endpoint, on 127.0.0.1. */
  url: string;
  secret: string;
  connections: number;
  /** Run length for `unique-payments`; sequence and repeat runs stop after their last body instead. */
  durationSeconds: number;
  bodies: BodySource;
  /** Upper bound of a sequence or repeat run, seconds; the generator stops there even if requests remain. */
  maxSeconds: number;
}

export interface LoadResult {
  connections: number;
  /** When autocannon started sending, Unix milliseconds. */
  startedAt: number;
  /** Seconds from the first request sent to the last response, as autocannon measured it. */
  durationSeconds: number;
  /** Responses received, whatever their status. */
  completed: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p99: number; max: number; mean: number };
  /** Responses with a status outside 2xx. */
  non2xx: number;
  /** Connection errors and timeouts, which produce no response. */
  connectionErrors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  /** Bodies built while the run was going because the precomputed ones ran out. */
  bodiesBuiltDuringRun: number;
}

export type LoadMessage = { type: 'result'; result: LoadResult } | { type: 'error'; message: string };
