import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the stub received, with its form-encoded body decoded. */
export interface StubRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  form: URLSearchParams;
}

/** A webhook endpoint as the stub stores it; `secret` is returned only by the create call, as Stripe does. */
export interface StubEndpoint {
  id: string;
  object: 'webhook_endpoint';
  api_version: string | null;
  application: null;
  created: number;
  description: string | null;
  enabled_events: string[];
  livemode: boolean;
  metadata: Record<string, string>;
  status: string;
  url: string;
  secret: string;
}

/**
 * Local imitation of the Stripe webhook endpoint API (create, retrieve,
 * delete) on 127.0.0.1. The switches make every request fail in one way:
 * `rateLimited` returns 429, `permissionDenied` 403, `dropConnections` closes
 * the socket without a response, and `delayMs` delays every response by that many milliseconds.
 */
export interface StripeStub {
  /** Origin to set as `STRIPE_API_BASE_URL`. */
  url: string;
  requests: StubRequest[];
  endpoints: Map<string, StubEndpoint>;
  /** Keys the stub accepts; any other key gets 401. */
  validKeys: Set<string>;
  rateLimited: boolean;
  permissionDenied: boolean;
  dropConnections: boolean;
  delayMs: number;
  /** Requests that created an endpoint, oldest first. */
  creates(): StubRequest[];
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_stub${randomBytes(6).toString('hex')}` });
  res.end(JSON.stringify(body));
}

function stripeError(res: ServerResponse, status: number, error: { type: string; message: string; code?: string; param?: string }): void {
  send(res, status, { error });
}

/** Reads `name[0]`, `name[1]`, ... of a Stripe form body in index order. */
function formList(form: URLSearchParams, name: string): string[] {
  const items: [number, string][] = [];
  for (const [key, value] of form) {
    const match = /^(.+)\[(\d+)\]$/.exec(key);
    if (match?.[1] === name) items.push([Number(match[2]), value]);
  }
  return items.sort((a, b) => a[0] - b[0]).map(([, value]) => value);
}

/** Reads `name[key]` entries of a Stripe form body into an object. */
function formMap(form: URLSearchParams, name: string): Record<string, string> {
  const map: Record<string, string> = {};
  for (const [key, value] of form) {
    const match = /^(.+)\[([^\]]+)\]$/.exec(key);
    if (match?.[1] === name && match[2] !== undefined && !/^\d+$/.test(match[2])) map[match[2]] = value;
  }
  return map;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Starts the stub on a free loopback port. */
export async function startStripeStub(): Promise<StripeStub> {
  const stub: Omit<StripeStub, 'url' | 'close' | 'creates'> = {
    requests: [],
    endpoints: new Map(),
    validKeys: new Set(),
    rateLimited: false,
    permissionDenied: false,
    dropConnections: false,
    delayMs: 0,
  };

  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => send(res, 500, { error: { type: 'api_error', message: String(error) } }));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://stub');
    const body = await readBody(req);
    const form = new URLSearchParams(req.method === 'GET' ? url.search : body);
    const authorization = req.headers.authorization;
    stub.requests.push({ method: req.method ?? '', path: url.pathname, authorization, form });

    if (stub.dropConnections) {
      req.socket.destroy();
      return;
    }
    if (stub.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, stub.delayMs));

    // Deliberately harsher than Stripe, which masks the key: these messages carry it whole, so a test can see it is never passed on.
    const key = /^Bearer (.+)$/.exec(authorization ?? '')?.[1] ?? '';
    if (!stub.validKeys.has(key)) {
      return stripeError(res, 401, { type: 'invalid_request_error', message: `Invalid API Key provided: ${key}` });
    }
    if (stub.rateLimited) {
      return stripeError(res, 429, { type: 'invalid_request_error', code: 'rate_limit', message: 'Request rate limit exceeded. Retry with exponential backoff.' });
    }
    if (stub.permissionDenied) {
      return stripeError(res, 403, { type: 'invalid_request_error', message: `The provided key '${key}' does not have the required permissions for this endpoint.` });
    }

    const livemode = key.includes('_live_');
    const item = /^\/v1\/webhook_endpoints\/([^/]+)$/.exec(url.pathname)?.[1];
    if (req.method === 'POST' && url.pathname === '/v1/webhook_endpoints') {
      const endpoint: StubEndpoint = {
        id: `we_stub${randomBytes(8).toString('hex')}`,
        object: 'webhook_endpoint',
        api_version: form.get('api_version'),
        application: null,
        created: Math.floor(Date.now() / 1000),
        description: form.get('description'),
        enabled_events: formList(form, 'enabled_events'),
        livemode,
        metadata: formMap(form, 'metadata'),
        status: 'enabled',
        url: form.get('url') ?? '',
        secret: `whsec_stub${randomBytes(16).toString('hex')}`,
      };
      stub.endpoints.set(endpoint.id, endpoint);
      return send(res, 200, endpoint);
    }
    if (item !== undefined) {
      const endpoint = stub.endpoints.get(item);
      if (endpoint === undefined) {
        return stripeError(res, 404, { type: 'invalid_request_error', code: 'resource_missing', param: 'id', message: `No such webhook endpoint: '${item}'` });
      }
      if (req.method === 'GET') {
        const { secret: _secret, ...withoutSecret } = endpoint;
        return send(res, 200, withoutSecret);
      }
      if (req.method === 'DELETE') {
        stub.endpoints.delete(item);
        return send(res, 200, { id: item, object: 'webhook_endpoint', deleted: true });
      }
    }
    stripeError(res, 404, { type: 'invalid_request_error', message: `Unrecognized request URL (${req.method}: ${url.pathname})` });
  }

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return Object.assign(stub, {
    url: `http://127.0.0.1:${port}`,
    creates: () => stub.requests.filter((request) => request.method === 'POST' && request.path === '/v1/webhook_endpoints'),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}
