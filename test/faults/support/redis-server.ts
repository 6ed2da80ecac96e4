import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { waitFor } from '../../helpers/harness.js';

/**
 * A redis-server of the test's own on 127.0.0.1, without persistence
 * (`--save "" --appendonly no`), so a stop and start loses every key as a
 * crashed cache node would.
 */
export class OwnRedisServer {
  private child: ChildProcess | undefined;

  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts redis-server and waits until it replies to PING. */
  async start(): Promise<void> {
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    this.child = child;
    const client = new Redis({ host: '127.0.0.1', port: this.port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined);
    try {
      await waitFor(
        async () => {
          if (child.exitCode !== null) throw new Error(`redis-server on port ${this.port} exited with code ${child.exitCode}`);
          try {
            if (client.status !== 'ready') await client.connect();
            return (await client.ping()) === 'PONG' ? true : undefined;
          } catch {
            client.disconnect();
            return undefined;
          }
        },
        10_000,
        `redis-server on port ${this.port} to reply to PING`,
      );
    } finally {
      client.disconnect();
    }
  }

  /** Stops the server with SIGTERM and waits for it to exit. Does nothing when it is not running. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  }
}
