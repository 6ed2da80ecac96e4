import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 that forwards to one local port, and can be cut:
 * `cut()` destroys every open connection and stops listening, so new
 * connections are refused. `restore()` listens on the same port again.
 */
export class CuttableTcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private listenPort = 0;

  constructor(private readonly targetPort: number, private readonly targetHost = '127.0.0.1') {}

  get port(): number {
    return this.listenPort;
  }

  /** Listens on `port` (0 picks a free one) and returns the port. */
  async start(port = 0): Promise<number> {
    const server = createServer((client) => this.forward(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('The proxy has no TCP address');
    this.server = server;
    this.listenPort = address.port;
    return this.listenPort;
  }

  /** Destroys every open connection and stops listening. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Listens again on the port used before the cut. */
  async restore(): Promise<void> {
    await this.start(this.listenPort);
  }

  async close(): Promise<void> {
    await this.cut();
  }

  private forward(client: Socket): void {
    // A connection accepted while cut() runs would keep server.close() waiting, so it is dropped at once.
    if (this.server === undefined) {
      client.destroy();
      return;
    }
    const upstream = connect(this.targetPort, this.targetHost);
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        this.sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
