import type { EndToEndPhase } from './end-to-end.js';
import type { MachineInfo } from './environment.js';
import type { IngestPhase } from './ingest.js';
import type { LoadResult } from './load-protocol.js';
import type { StormPhase } from './storm.js';

/** Targets for a 2-core machine, from the service's capacity plan; see docs/benchmarks.md. */
export const TARGETS = {
  ingestConnections: 64,
  /** Ingest requests/s as a share of the no-op Express baseline at `ingestConnections`. */
  ingestMinRatio: 0.5,
  ingestMaxP99Ms: 25,
  /** End-to-end events/s as a share of the no-op BullMQ baseline. */
  endToEndMinRatio: 0.25,
  webMaxRssMB: 200,
};

export interface BenchResults {
  startedAt: string;
  finishedAt: string;
  machine: MachineInfo;
  /** Commit of the code measured, from `git`. */
  commit: string;
  /** 1-minute load average sampled every second during the run: other processes show up here. */
  loadAverage: { max: number; mean: number };
  settings: { events: number; durationSeconds: number; levels: number[]; workerConcurrency: number; databasePoolMax: number; logLevel: string };
  ingest: IngestPhase;
  endToEnd: EndToEndPhase;
  storm: StormPhase;
  sync: string;
  checks: Check[];
}

export interface Check {
  name: string;
  kind: 'target' | 'correctness';
  met: boolean;
  detail: string;
}

/** A 1-minute load average above this at start means other work was competing for the CPUs. */
export const LOAD_AVERAGE_WARNING = 0.5;

const verdict = (met: boolean) => (met ? 'met' : 'MISSED');
const integer = (value: number) => Math.round(value).toLocaleString('en-US');
const fixed = (value: number, digits = 1) => value.toFixed(digits);
const percent = (ratio: number) => `${Math.round(ratio * 100)}%`;
const latency = (result: LoadResult) => `${fixed(result.latencyMs.p50)} / ${fixed(result.latencyMs.p99)} / ${fixed(result.latencyMs.max)}`;
const errors = (result: LoadResult) => integer(result.non2xx + result.connectionErrors + result.timeouts);

/** Works out every target and correctness check from the phase results. */
export function evaluateChecks(ingest: IngestPhase, endToEnd: EndToEndPhase, storm: StormPhase): Check[] {
  const checks: Check[] = [];
  const level = ingest.levels.find((entry) => entry.connections === TARGETS.ingestConnections);
  if (level !== undefined) {
    const ratio = level.service.requestsPerSecond / level.baseline.requestsPerSecond;
    checks.push({
      name: `ingest at ${TARGETS.ingestConnections} connections >= ${percent(TARGETS.ingestMinRatio)} of no-op Express`,
      kind: 'target',
      met: ratio >= TARGETS.ingestMinRatio,
      detail: `${percent(ratio)} (${integer(level.service.requestsPerSecond)} vs ${integer(level.baseline.requestsPerSecond)} requests/s)`,
    });
    checks.push({
      name: `ingest p99 at ${TARGETS.ingestConnections} connections <= ${TARGETS.ingestMaxP99Ms} ms`,
      kind: 'target',
      met: level.service.latencyMs.p99 <= TARGETS.ingestMaxP99Ms,
      detail: `${fixed(level.service.latencyMs.p99)} ms`,
    });
  }
  const endToEndRatio = endToEnd.eventsPerSecond / endToEnd.baseline.jobsPerSecond;
  checks.push({
    name: `end to end >= ${percent(TARGETS.endToEndMinRatio)} of no-op BullMQ`,
    kind: 'target',
    met: endToEnd.finished && endToEndRatio >= TARGETS.endToEndMinRatio,
    detail: `${percent(endToEndRatio)} (${integer(endToEnd.eventsPerSecond)} events/s vs ${integer(endToEnd.baseline.jobsPerSecond)} jobs/s)`,
  });
  const webPeak = Math.max(ingest.memory.web.highWaterMB, endToEnd.memory.web.highWaterMB);
  checks.push({ name: `web peak RSS <= ${TARGETS.webMaxRssMB} MB`, kind: 'target', met: webPeak <= TARGETS.webMaxRssMB, detail: `${fixed(webPeak)} MB` });
  checks.push({
    name: 'end to end: every registration in its expected state',
    kind: 'correctness',
    met: endToEnd.finished && endToEnd.mismatches === 0,
    detail: `${endToEnd.mismatches} mismatches${endToEnd.finished ? '' : ', not finished in time'}`,
  });
  checks.push({
    name: `duplicate storm: 1 row with delivery_count ${storm.deliveries}`,
    kind: 'correctness',
    met: storm.rows === 1 && storm.deliveryCount === storm.deliveries,
    detail: `${storm.rows} row(s), delivery_count ${storm.deliveryCount}`,
  });
  return checks;
}

function renderTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  const line = (row: string[]) => row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd();
  const [header, ...body] = rows;
  return [line(header!), widths.map((width) => '-'.repeat(width)).join('  '), ...body.map(line)].join('\n');
}

/** Formats the results as the table `npm run bench` prints. */
export function formatReport(results: BenchResults): string {
  const { machine, settings, ingest, endToEnd, storm } = results;
  const rows: string[][] = [['figure', 'service', 'baseline', 'ratio', 'target', 'result']];
  const check = (prefix: string) => results.checks.find((entry) => entry.name.startsWith(prefix));

  for (const level of ingest.levels) {
    const c = level.connections;
    const atTarget = c === TARGETS.ingestConnections;
    const ratioCheck = atTarget ? check(`ingest at ${c}`) : undefined;
    const p99Check = atTarget ? check(`ingest p99 at ${c}`) : undefined;
    rows.push([
      `ingest c=${c} requests/s`,
      integer(level.service.requestsPerSecond),
      integer(level.baseline.requestsPerSecond),
      percent(level.service.requestsPerSecond / level.baseline.requestsPerSecond),
      ratioCheck === undefined ? '' : `>= ${percent(TARGETS.ingestMinRatio)}`,
      ratioCheck === undefined ? '' : verdict(ratioCheck.met),
    ]);
    rows.push([
      `ingest c=${c} p50 / p99 / max ms`,
      latency(level.service),
      latency(level.baseline),
      '',
      p99Check === undefined ? '' : `p99 <= ${TARGETS.ingestMaxP99Ms}`,
      p99Check === undefined ? '' : verdict(p99Check.met),
    ]);
    rows.push([`ingest c=${c} errors (non-2xx)`, errors(level.service), errors(level.baseline), '', '', '']);
    rows.push([
      `ingest c=${c} server CPU us/request`,
      integer(level.cpuMicrosecondsPerRequest.service),
      integer(level.cpuMicrosecondsPerRequest.baseline),
      `${fixed(level.cpuMicrosecondsPerRequest.service / level.cpuMicrosecondsPerRequest.baseline)}x`,
      '',
      '',
    ]);
  }

  const e2eCheck = check('end to end >=');
  rows.push([
    `end to end events/s (${integer(endToEnd.deliveries)} deliveries)`,
    integer(endToEnd.eventsPerSecond),
    integer(endToEnd.baseline.jobsPerSecond),
    percent(endToEnd.eventsPerSecond / endToEnd.baseline.jobsPerSecond),
    `>= ${percent(TARGETS.endToEndMinRatio)}`,
    verdict(e2eCheck?.met ?? false),
  ]);
  rows.push(['end to end seconds', fixed(endToEnd.seconds), fixed(endToEnd.baseline.seconds), '', '', '']);
  rows.push([
    'end to end worker CPU us/event',
    integer(endToEnd.workerCpuMicrosecondsPerEvent),
    integer(endToEnd.baseline.workerCpuMicrosecondsPerJob),
    `${fixed(endToEnd.workerCpuMicrosecondsPerEvent / endToEnd.baseline.workerCpuMicrosecondsPerJob)}x`,
    '',
    '',
  ]);
  rows.push(['end to end post p50 / p99 / max ms', latency(endToEnd.post), '', '', '', '']);
  rows.push(['end to end post errors (non-2xx)', errors(endToEnd.post), '', '', '', '']);
  rows.push(['end to end mismatches', integer(endToEnd.mismatches), '', '', '0', verdict(check('end to end: every')?.met ?? false)]);

  rows.push([
    `duplicate storm requests/s (${storm.deliveries} x 1 event, c=${storm.connections})`,
    integer(storm.service.requestsPerSecond),
    integer(storm.baseline.requestsPerSecond),
    percent(storm.service.requestsPerSecond / storm.baseline.requestsPerSecond),
    '',
    '',
  ]);
  rows.push(['duplicate storm p50 / p99 / max ms', latency(storm.service), latency(storm.baseline), '', '', '']);
  rows.push([
    'duplicate storm rows / delivery_count',
    `${storm.rows} / ${storm.deliveryCount}`,
    '',
    '',
    `1 / ${storm.deliveries}`,
    verdict(check('duplicate storm')?.met ?? false),
  ]);

  const rssCheck = check('web peak RSS');
  rows.push(['web peak RSS MB, ingest', fixed(ingest.memory.web.highWaterMB), fixed(ingest.memory.baseline.highWaterMB), '', `<= ${TARGETS.webMaxRssMB}`, verdict(rssCheck?.met ?? false)]);
  rows.push([
    'web peak RSS MB, end to end',
    fixed(endToEnd.memory.web.highWaterMB),
    fixed(endToEnd.baseline.memory.producer.highWaterMB),
    '',
    `<= ${TARGETS.webMaxRssMB}`,
    verdict(rssCheck?.met ?? false),
  ]);
  rows.push(['worker peak RSS MB, ingest backlog', fixed(ingest.memory.worker.highWaterMB), '', '', '', '']);
  rows.push(['worker peak RSS MB, end to end', fixed(endToEnd.memory.worker.highWaterMB), fixed(endToEnd.baseline.memory.worker.highWaterMB), '', '', '']);
  rows.push(['sync', results.sync, '', '', '', '']);

  const notes = [
    `ingest baseline: no-op Express 5 route in its own process; end-to-end baseline: ${integer(endToEnd.baseline.jobs)} no-op BullMQ jobs, producer and worker processes;`,
    `storm baseline: the no-op Express route; memory baselines: no-op Express (ingest), no-op BullMQ producer and worker (end to end).`,
    `ingest backlog: the worker applied ${integer(ingest.backlog.applied)} of ${integer(ingest.backlog.stored)} stored events in ${fixed(ingest.backlog.seconds)} s (${fixed(ingest.backlog.eventsPerSecond)} events/s).`,
    `end to end: ${integer(endToEnd.payments)} payments, ${integer(endToEnd.refunds)} partial refunds, ${integer(endToEnd.duplicates)} repeated deliveries; ` +
      `${integer(endToEnd.webhookRows)} webhook rows, delivery_count sum ${integer(endToEnd.deliveryCountSum)}; ` +
      `${integer(endToEnd.delayedJobs)} job delays while refunds waited for their payment, ` +
      `${integer(endToEnd.wakeUps)} payments that ran their waiting refunds at once, ${integer(endToEnd.selfPromotions)} refunds that ran again as their payment landed, ` +
      `${integer(endToEnd.failedAttempts)} failed attempts.`,
  ];
  const header = [
    `EventHex benchmark ${results.startedAt}, commit ${results.commit}`,
    `machine: ${machine.cpuCount} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB; Node ${machine.node}, PostgreSQL ${machine.postgres}, Redis ${machine.redis}`,
    `1-minute load average: ${fixed(machine.loadAverageAtStart, 2)} at start, mean ${fixed(results.loadAverage.mean, 2)} and max ${fixed(results.loadAverage.max, 2)} during the run` +
      (machine.loadAverageAtStart > LOAD_AVERAGE_WARNING ? ' (WARNING: other processes were busy at start; figures are not comparable)' : ''),
    `settings: --events ${settings.events} --duration ${settings.durationSeconds}; WORKER_CONCURRENCY=${settings.workerConcurrency} DATABASE_POOL_MAX=${settings.databasePoolMax} LOG_LEVEL=${settings.logLevel}`,
  ];
  return [...header, '', renderTable(rows), '', ...notes].join('\n');
}
