import { fork, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadMessage, LoadRequest, LoadResult } from './load-protocol.js';

/** The `dist` folder: compiled entry points are resolved from here. */
export const DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** A child process whose output goes to a log file and is scanned line by line. */
export interface BenchProcess {
  name: string;
  child: ChildProcess;
  pid: number;
  /** Resolves when a line of output matches, rejects if the process exits first or after `timeoutMs`. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<void>;
  /** Counts output lines that match, from the start of the process. */
  countLines(pattern: RegExp): number;
  /** Resolves with the first IPC message (sent or still to come) that `accept` takes; needs `ipc: true`. */
  waitForMessage<T>(accept: (message: unknown) => message is T, timeoutMs: number): Promise<T>;
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();

/**
 * Starts a compiled script with the same Node binary as the benchmark.
 * stdout and stderr are appended to `logFile`; lines matching `counted`
 * patterns are counted as they pass.
 */
export function startProcess(
  name: string,
  script: string,
  options: { env: NodeJS.ProcessEnv; logFile: string; args?: string[]; counted?: RegExp[]; ipc?: boolean },
): BenchProcess {
  const child = spawn(process.execPath, [path.join(DIST, script), ...(options.args ?? [])], {
    env: options.env,
    stdio: options.ipc === true ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`${name} (${script}) did not start`);
  children.add(child);
  child.once('exit', () => children.delete(child));

  const log = createWriteStream(options.logFile, { flags: 'a' });
  const counts = new Map<RegExp, number>((options.counted ?? []).map((pattern) => [pattern, 0]));
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  let partial = '';
  const onLine = (line: string) => {
    for (const [pattern, count] of counts) if (pattern.test(line)) counts.set(pattern, count + 1);
    for (let i = waiters.length - 1; i >= 0; i -= 1) {
      const waiter = waiters[i];
      if (waiter !== undefined && waiter.pattern.test(line)) {
        waiters.splice(i, 1);
        waiter.resolve();
      }
    }
  };
  const onData = (chunk: Buffer) => {
    log.write(chunk);
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => log.end());
  const messages: unknown[] = [];
  const messageWaiters = new Set<() => void>();
  child.on('message', (message: unknown) => {
    messages.push(message);
    for (const wake of messageWaiters) wake();
  });

  return {
    name,
    child,
    pid: child.pid,
    waitForLine(pattern, timeoutMs) {
      return new Promise<void>((resolve, reject) => {
        const waiter = {
          pattern,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error(`${name} did not log ${pattern} within ${timeoutMs} ms; see ${options.logFile}`));
        }, timeoutMs);
        void exited.then(() => {
          clearTimeout(timer);
          reject(new Error(`${name} exited with code ${child.exitCode ?? child.signalCode} before logging ${pattern}; see ${options.logFile}`));
        });
        waiters.push(waiter);
      });
    },
    countLines: (pattern) => counts.get(pattern) ?? 0,
    waitForMessage<T>(accept: (message: unknown) => message is T, timeoutMs: number) {
      return new Promise<T>((resolve, reject) => {
        const check = () => {
          const found = messages.find(accept);
          if (found === undefined) return false;
          finish();
          resolve(found);
          return true;
        };
        const finish = () => {
          clearTimeout(timer);
          messageWaiters.delete(check);
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`${name} sent no expected message within ${timeoutMs} ms; see ${options.logFile}`));
        }, timeoutMs);
        if (check()) return;
        messageWaiters.add(check);
        void exited.then(() => {
          // A message sent just before exit is delivered before the exit event.
          if (check()) return;
          finish();
          reject(new Error(`${name} exited with code ${child.exitCode ?? child.signalCode} before sending the expected message; see ${options.logFile}`));
        });
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Kills every child this module started that is still running; for an interrupted benchmark. */
export function killAllChildren(): void {
  for (const child of children) child.kill('SIGKILL');
}

/** Returns a TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('Could not read the port of a probe server');
  return address.port;
}

/** Polls `url` with GET until it returns 200, failing after `timeoutMs`. */
export async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`${url} did not return 200 within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Runs one load in a fresh load generator process (bench/load-generator.ts) and returns its result. */
export async function runLoad(request: LoadRequest): Promise<LoadResult> {
  const child = fork(path.join(DIST, 'bench/load-generator.js'), [], { execPath: process.execPath, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.add(child);
  try {
    return await new Promise<LoadResult>((resolve, reject) => {
      // The generator stops itself; this outer bound only catches a generator that hangs.
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`Load generator did not finish within ${request.maxSeconds + request.durationSeconds + 60} s`));
      }, (request.maxSeconds + request.durationSeconds + 60) * 1000);
      child.once('message', (message: LoadMessage) => {
        clearTimeout(timer);
        if (message.type === 'result') resolve(message.result);
        else reject(new Error(`Load generator failed: ${message.message}`));
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`Load generator exited with code ${code} before sending a result`));
      });
      child.send(request);
    });
  } finally {
    children.delete(child);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}
