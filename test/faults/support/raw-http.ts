import { connect } from 'node:net';

export interface RawResponse {
  /** Status code from the response's status line, or null when the server closed without sending one. */
  status: number | null;
  /** Socket error seen while sending or reading, if any. A server may reset a connection after responding early. */
  error: string | undefined;
}

/**
 * Sends raw bytes over a fresh TCP connection to 127.0.0.1:`port` and reads
 * until the server closes. The request carries `Connection: close`, so a
 * server that responded closes the connection itself. When nothing arrives for
 * `idleMs` (the server waits for bytes that never come), the sending side is
 * ended, and after `timeoutMs` the socket is destroyed. Lets a test send what no
 * HTTP client library would: bad framing, control characters in headers,
 * bytes that are not UTF-8.
 */
export function sendRaw(port: number, request: Buffer, options: { idleMs?: number; timeoutMs?: number } = {}): Promise<RawResponse> {
  const idleMs = options.idleMs ?? 3000;
  const timeoutMs = options.timeoutMs ?? 10_000;
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let received = 0;
    let error: string | undefined;
    let settled = false;
    // Ending the sending side at once would make Node's server drop a complete request without a response, so it waits.
    const idle = setTimeout(() => socket.end(), idleMs);
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(idle);
      clearTimeout(timer);
      socket.destroy();
      const head = Buffer.concat(chunks).subarray(0, 64).toString('latin1');
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(head);
      resolve({ status: match === null ? null : Number(match[1]), error });
    };
    const timer = setTimeout(() => {
      error ??= `no close within ${timeoutMs} ms`;
      finish();
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      clearTimeout(idle);
      // Only the status line matters, so the first kilobyte is enough.
      if (received < 1024) chunks.push(chunk);
      received += chunk.length;
    });
    socket.on('error', (socketError: NodeJS.ErrnoException) => {
      error ??= socketError.code ?? socketError.message;
    });
    socket.on('close', finish);
    socket.on('connect', () => {
      socket.write(request);
    });
  });
}

/** Header value: text (sent as latin1, one byte per char) or raw bytes. */
export type HeaderValue = string | Buffer;

/**
 * Builds an HTTP/1.1 request with `Connection: close`. `contentLength`
 * `'auto'` sends the body's length, a number sends that value whatever the
 * body, `{ raw }` sends that text as the value, and `'none'` sends no Content-Length.
 */
export function buildRequest(options: {
  method: string;
  /** Request target, sent as latin1 so raw bytes can be tested. */
  target: string | Buffer;
  headers?: readonly (readonly [string, HeaderValue])[];
  body?: Buffer;
  contentLength?: 'auto' | 'none' | number | { raw: string };
}): Buffer {
  const body = options.body ?? Buffer.alloc(0);
  const lines: Buffer[] = [Buffer.from(`${options.method} `, 'latin1'), Buffer.isBuffer(options.target) ? options.target : Buffer.from(options.target, 'latin1'), Buffer.from(' HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n', 'latin1')];
  for (const [name, value] of options.headers ?? []) {
    lines.push(Buffer.from(`${name}: `, 'latin1'), Buffer.isBuffer(value) ? value : Buffer.from(value, 'latin1'), Buffer.from('\r\n', 'latin1'));
  }
  const contentLength = options.contentLength ?? 'auto';
  if (contentLength === 'auto') lines.push(Buffer.from(`Content-Length: ${body.length}\r\n`, 'latin1'));
  else if (typeof contentLength === 'number') lines.push(Buffer.from(`Content-Length: ${contentLength}\r\n`, 'latin1'));
  else if (contentLength !== 'none') lines.push(Buffer.from(`Content-Length: ${contentLength.raw}\r\n`, 'latin1'));
  lines.push(Buffer.from('\r\n', 'latin1'), body);
  return Buffer.concat(lines);
}
