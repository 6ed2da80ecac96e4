import path from 'node:path';
import { countUnfinished, lastWebhookEventId, sleep, type BenchContext } from './context.js';
import { benchQueuePrefix } from './environment.js';
import type { LoadRequest, LoadResult } from './load-protocol.js';
import { MemorySampler, cpuMilliseconds, type MemoryPeak } from './memory.js';
import { freePort, runLoad, startProcess, waitForHttp, type BenchProcess } from './processes.js';
import { seedRegistrations } from './seed.js';
import { startService } from './service.js';

/** Concurrency levels of the ingest phase, in order. */
export const INGEST_LEVELS = [1, 16, 64, 256];
/** Registrations the ingest events pay for, in turn; each gets several payments. */
const INGEST_REGISTRATIONS = 2000;
/** Unwarmed JIT and empty pools would count against the first level, so both targets get this first, unrecorded. */
const WARM_UP_SECONDS = 2;
const WARM_UP_CONNECTIONS = 16;
/**
 * Bodies precomputed per second of a run. The receiver stays far below this on
 * two cores. A faster no-op baseline reuses the pool, which costs the
 * generator the same as fresh bodies.
 */
const PRECOMPUTED_PER_SECOND = 8000;
/** How long the worker runs on the ingest backlog after the levels, seconds; what it has not applied by then is dropped. */
export const BACKLOG_SECONDS = 30;

export interface IngestLevel {
  connections: number;
  service: LoadResult;
  baseline: LoadResult;
  /** CPU time the server process used per response during the run, microseconds: less sensitive to other load than requests/s. */
  cpuMicrosecondsPerRequest: { service: number; baseline: number };
}

export interface IngestPhase {
  durationSeconds: number;
  levels: IngestLevel[];
  /** The worker applying the stored events for BACKLOG_SECONDS after the levels, timed from its start. */
  backlog: { stored: number; applied: number; seconds: number; eventsPerSecond: number };
  memory: { web: MemoryPeak; worker: MemoryPeak; baseline: MemoryPeak };
}

/** Runs `work` and returns its result with the CPU milliseconds process `pid` used meanwhile. */
async function measureCpu<T>(pid: number, work: () => Promise<T>): Promise<{ value: T; cpuMs: number }> {
  const before = cpuMilliseconds(pid) ?? 0;
  const value = await work();
  return { value, cpuMs: (cpuMilliseconds(pid) ?? before) - before };
}

/** Starts the no-op Express baseline (bench/noop-express.ts) on a free port and returns it with its URL. */
export async function startNoopExpress(context: BenchContext): Promise<{ process: BenchProcess; baseUrl: string }> {
  const port = await freePort();
  const process_ = startProcess('noop-express', 'bench/noop-express.js', {
    env: { PATH: process.env['PATH'], PORT: String(port) },
    logFile: path.join(context.logDir, 'noop-express.log'),
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitForHttp(`${baseUrl}/healthz`, 15_000);
  return { process: process_, baseUrl };
}

/**
 * Phase 1: signed, unique `payment_intent.succeeded` deliveries at each
 * concurrency level for `durationSeconds`, against the web process alone and
 * against the no-op Express baseline with the same load generator. The worker
 * is not running during the levels, so they measure the receiver alone. It
 * then runs on the stored events for BACKLOG_SECONDS, for its memory figure.
 */
export async function runIngestPhase(
  context: BenchContext,
  noop: { process: BenchProcess; baseUrl: string },
  options: { durationSeconds: number; levels: number[] },
): Promise<IngestPhase> {
  const registrationIds = await seedRegistrations(context.db, context.tenant, INGEST_REGISTRATIONS, 'ingest');
  const firstId = await lastWebhookEventId(context.db);
  const queuePrefix = benchQueuePrefix();
  context.queuePrefixes.push(queuePrefix);
  const service = await startService({ ...context.stores, queuePrefix }, context.logDir, 'ingest', false);
  try {
    const path_ = `/webhooks/stripe/${context.tenant.stripeConnectionId}`;
    const load = (baseUrl: string, connections: number, seconds: number, whenExhausted: 'build' | 'cycle'): LoadRequest => ({
      url: `${baseUrl}${path_}`,
      secret: context.tenant.stripeWebhookSecret,
      connections,
      durationSeconds: seconds,
      maxSeconds: seconds + 30,
      bodies: { kind: 'unique-payments', registrationIds, precomputed: Math.ceil(seconds * PRECOMPUTED_PER_SECOND), whenExhausted },
    });

    context.progress(`ingest: warming up both targets for ${WARM_UP_SECONDS} s each`);
    await runLoad(load(noop.baseUrl, WARM_UP_CONNECTIONS, WARM_UP_SECONDS, 'cycle'));
    await runLoad(load(service.baseUrl, WARM_UP_CONNECTIONS, WARM_UP_SECONDS, 'build'));

    const sampler = new MemorySampler([
      { name: 'web', pid: service.web.pid },
      { name: 'baseline', pid: noop.process.pid },
    ]);
    const levels: IngestLevel[] = [];
    for (const connections of options.levels) {
      context.progress(`ingest: ${connections} connections, ${options.durationSeconds} s on the no-op baseline, then on the service`);
      const baseline = await measureCpu(noop.process.pid, () => runLoad(load(noop.baseUrl, connections, options.durationSeconds, 'cycle')));
      await sleep(500);
      const result = await measureCpu(service.web.pid, () => runLoad(load(service.baseUrl, connections, options.durationSeconds, 'build')));
      levels.push({
        connections,
        service: result.value,
        baseline: baseline.value,
        cpuMicrosecondsPerRequest: { service: result.cpuMs * 1000 / result.value.completed, baseline: baseline.cpuMs * 1000 / baseline.value.completed },
      });
      await sleep(500);
    }
    const levelMemory = sampler.stop();

    const stored = await countUnfinished(context.db, firstId);
    context.progress(`ingest: running the worker for ${BACKLOG_SECONDS} s on ${stored} stored events`);
    const backlogStart = Date.now();
    const worker = await service.startWorker();
    const workerSampler = new MemorySampler([{ name: 'worker', pid: worker.pid }]);
    while (Date.now() - backlogStart < BACKLOG_SECONDS * 1000 && (await countUnfinished(context.db, firstId)) > 0) await sleep(500);
    const backlogSeconds = (Date.now() - backlogStart) / 1000;
    const workerMemory = workerSampler.stop();
    const applied = stored - (await countUnfinished(context.db, firstId));

    return {
      durationSeconds: options.durationSeconds,
      levels,
      backlog: { stored, applied, seconds: backlogSeconds, eventsPerSecond: applied / backlogSeconds },
      memory: { web: levelMemory['web'] as MemoryPeak, baseline: levelMemory['baseline'] as MemoryPeak, worker: workerMemory['worker'] as MemoryPeak },
    };
  } finally {
    await service.stop();
  }
}
