import { razorpayPayment, stripePaymentIntent, stripeRefund } from '../../../scripts/demo/payloads.js';
import { RAZORPAY_SECRET, STRIPE_SECRET } from '../../helpers/harness.js';
import { razorpaySignature, stripeSignature } from '../../helpers/sign.js';
import type { Random } from './random.js';
import { buildRequest, type HeaderValue } from './raw-http.js';

/** Node's default limit on the bytes of a request's header section (`http.maxHeaderSize`, 16384 in Node 24). */
export const NODE_MAX_HEADER_BYTES = 16 * 1024;
/** The receiver's default `WEBHOOK_BODY_LIMIT_BYTES`. */
const WEBHOOK_BODY_LIMIT_BYTES = 1024 * 1024;
/** The API's JSON body limit, `100kb`, which body-parser reads as 102,400 bytes. */
const API_BODY_LIMIT_BYTES = 100 * 1024;

/** Real endpoints the malformed requests aim at, so they reach source lookup and signature checks, not only 404s. */
export interface FuzzTargets {
  stripePath: string;
  razorpayPath: string;
  /** A ticketing event of the organisation, for the registrations route. */
  usdEventId: string;
  apiKey: string;
}

export interface MalformedRequest {
  /** Category, for the per-category counts in a failure message. */
  kind: string;
  bytes: Buffer;
}

type Headers = [string, HeaderValue][];

const PRINTABLE = ' !"#$%&\'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~';
const WRONG_CONTENT_TYPES = [
  'text/plain',
  'text/html; charset=utf-8',
  'application/xml',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=----fuzz',
  'application/octet-stream',
  'image/png',
  'application/json; charset=latin1',
  'ab/cd',
  ';;;',
  '',
];
/** Byte sequences that are not UTF-8: a lone continuation byte, an overlong slash, a surrogate, a cut sequence, 0xFF. */
const INVALID_UTF8 = [Buffer.from([0x80]), Buffer.from([0xc0, 0xaf]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xe2, 0x82]), Buffer.from([0xff]), Buffer.from([0xc3, 0x28])];

/** Returns random junk for a URL path segment: escapes, traversal, NUL, long runs, lookalike ids. */
/** Returns a path segment that names no resource: an all-digit segment could be a real webhook log id, so those are too long to be one. */
function junkPathSegment(random: Random): string {
  return random.pick<() => string>([
    () => {
      const text = random.text(random.int(1, 40), PRINTABLE.replace(/[ #?/]/g, ''));
      return /^\d+$/.test(text) ? `x${text}` : text;
    },
    () => '%',
    () => '%00',
    () => `reg_${random.text(10)}%00`,
    () => '%ff%fe%fd',
    () => '..%2f..%2f..%2fetc%2fpasswd',
    () => '%E2%82%AC%F0%9F%92%B3',
    () => 'a'.repeat(random.int(100, 4000)),
    () => `${random.pick(['reg', 'pc', 'tev', 'org', 'rpb'])}_${random.text(random.int(1, 80))}`,
    () => String(random.int(0, 9)).repeat(random.int(16, 30)),
    () => '-1',
    () => '1e308',
    () => encodeURIComponent(random.bytes(random.int(1, 30)).toString('latin1')),
  ])();
}

function stripeEventBody(random: Random): Buffer {
  const ids = { paymentIntent: `pi_fuzz${random.text(12)}`, charge: `ch_fuzz${random.text(12)}` };
  const registrationId = `reg_FUZZ${random.text(12, 'ABCDEFGHJKMNPQRSTVWXYZ0123456789')}`;
  const event = random.chance(0.5)
    ? stripePaymentIntent('payment_intent.succeeded', ids, registrationId, random.int(1, 100_000))
    : stripeRefund('refund.updated', ids, `re_fuzz${random.text(12)}`, random.int(1, 1000), 'succeeded');
  return Buffer.from(JSON.stringify(event), 'utf8');
}

function razorpayEventBody(random: Random): Buffer {
  const ids = { payment: `pay_fuzz${random.text(10)}`, order: `order_fuzz${random.text(10)}` };
  return Buffer.from(JSON.stringify(razorpayPayment('payment.captured', ids, `reg_FUZZ${random.text(10, 'ABCDEFGH')}`, random.int(100, 100_000))), 'utf8');
}

/** Returns a Stripe-Signature value that does not verify the body: malformed, wrong secret, stale or random. */
function junkStripeSignature(random: Random, body: Buffer): HeaderValue {
  const now = Math.floor(Date.now() / 1000);
  return random.pick<() => HeaderValue>([
    () => '',
    () => 't=',
    () => 'v1=',
    () => `t=${random.text(8)},v1=${random.text(64, '0123456789abcdef')}`,
    () => `t=${now},v1=${random.text(64, '0123456789abcdef')}`,
    () => `t=${now},v0=${random.text(64, '0123456789abcdef')}`,
    () => stripeSignature(body, 'whsec_fuzz_not_the_secret_0000'),
    () => stripeSignature(body, STRIPE_SECRET, now - 100_000),
    () => stripeSignature(body, STRIPE_SECRET, now + 100_000),
    () => `${stripeSignature(body, STRIPE_SECRET)}`.replace(/v1=./, 'v1=z'),
    () => ',,,,t=1,,v1=,,'.repeat(random.int(1, 200)),
    () => `t=${now},${'v1=00,'.repeat(random.int(1, 500))}`,
    () => random.text(random.int(1, 300), PRINTABLE),
    () => Buffer.concat([Buffer.from(`t=${now},v1=`), random.pick(INVALID_UTF8)]),
  ])();
}

function junkRazorpaySignature(random: Random, body: Buffer): HeaderValue {
  return random.pick<() => HeaderValue>([
    () => '',
    () => random.text(64, '0123456789abcdef'),
    () => razorpaySignature(body, 'rzp_fuzz_not_the_secret'),
    () => razorpaySignature(body, RAZORPAY_SECRET).toUpperCase().replace(/[0-9]/, 'G'),
    () => random.text(random.int(1, 500), PRINTABLE),
    () => Buffer.concat([Buffer.from('ab'), random.pick(INVALID_UTF8)]),
  ])();
}

/** Picks a webhook route and returns headers with junk signatures for it. */
function webhookWithJunkSignature(random: Random, targets: FuzzTargets, body: Buffer): { path: string; headers: Headers } {
  const route = random.int(0, 2);
  if (route === 2) {
    const headers: Headers = [['x-razorpay-signature', junkRazorpaySignature(random, body)]];
    if (random.chance(0.8)) headers.push(['x-razorpay-event-id', `evt_fuzz${random.text(10)}`]);
    return { path: targets.razorpayPath, headers };
  }
  return { path: route === 0 ? targets.stripePath : '/webhooks/stripe', headers: [['stripe-signature', junkStripeSignature(random, body)]] };
}

/** Signs a body correctly for a random webhook route, so only the body itself is wrong. */
function signedWebhook(random: Random, targets: FuzzTargets, body: Buffer): { path: string; headers: Headers } {
  if (random.chance(0.35)) {
    return { path: targets.razorpayPath, headers: [['x-razorpay-signature', razorpaySignature(body, RAZORPAY_SECRET)], ['x-razorpay-event-id', `evt_fuzz${random.text(10)}`]] };
  }
  return { path: random.chance(0.7) ? targets.stripePath : '/webhooks/stripe', headers: [['stripe-signature', stripeSignature(body, STRIPE_SECRET)]] };
}

const json = (headers: Headers = []): Headers => [['content-type', 'application/json'], ...headers];
const bearer = (targets: FuzzTargets): [string, string] => ['authorization', `Bearer ${targets.apiKey}`];

/** Bodies for the API's create routes that break the route's schema in one field, or are not an object at all. */
function invalidApiBody(random: Random, targets: FuzzTargets): { path: string; body: string } {
  const route = random.int(0, 2);
  const base: Record<string, unknown> =
    route === 0
      ? { name: 'Fuzz conf', currency: 'USD' }
      : route === 1
        ? { provider: 'stripe', webhook_secrets: ['whsec_fuzz_secret_0001'], livemode: false }
        : { email: 'fuzz@example.com', name: 'Fuzz', amount_due: 4500, currency: 'USD' };
  const path = ['/api/v1/events', '/api/v1/payment-connections', `/api/v1/events/${targets.usdEventId}/registrations`][route] as string;

  const breaks: Record<string, unknown[]>[] = [
    { name: ['', '   ', 5, null, 'x'.repeat(201), ['a'], 'Fuzz\u0000conf'], currency: ['US', 'usdd', '', 12, null, 'U$D', 'US\u0000'], razorpay_webhook_secret: ['short', 7, 'x'.repeat(201)] },
    {
      provider: ['paypal', '', null, 1, 'STRIPE'],
      webhook_secrets: [[], ['nope'], 'whsec_fuzz_secret_0001', [1], Array(6).fill('whsec_fuzz_secret_0001')],
      livemode: ['yes', 1, null, 'false'],
    },
    {
      email: ['not-an-email', '', 5, null, `${'x'.repeat(320)}@example.com`, 'fuzz@exa\u0000mple.com'],
      name: ['', '  ', 5, null, 'x'.repeat(201)],
      amount_due: ['4500', 12.5, -1, 1e300, null, true, [], Number.MAX_SAFE_INTEGER + 2],
      currency: ['US', '', 840, null, 'INR'],
      extra_field: [1, 'x', null],
    },
  ];
  const fieldBreaks = breaks[route] as Record<string, unknown[]>;

  const shape = random.int(0, 9);
  if (shape === 0) return { path, body: random.pick(['null', '[]', '"text"', '42', 'true', '[{}]']) };
  if (shape === 1) {
    // A registration's currency is optional: it defaults to the event's.
    const required = Object.keys(base).filter((key) => !(route === 2 && key === 'currency'));
    const missing = random.pick(required);
    const { [missing]: _removed, ...rest } = base;
    return { path, body: JSON.stringify(rest) };
  }
  if (shape === 2) {
    const text = JSON.stringify(base);
    return { path, body: text.slice(0, random.int(1, text.length - 1)) };
  }
  if (shape === 3) {
    const depth = random.int(100, 20_000);
    return { path, body: `{"name":${'['.repeat(depth)}${']'.repeat(depth)},"currency":"USD"}` };
  }
  // A JSON text that ends in an unclosed `[` is invalid whatever comes before it.
  if (shape === 4) return { path, body: `{"name":"a","currency":"USD",${random.text(random.int(1, 30), PRINTABLE)}[` };
  const field = random.pick(Object.keys(fieldBreaks));
  return { path, body: JSON.stringify({ ...base, [field]: random.pick(fieldBreaks[field] as unknown[]) }) };
}

/** Bodies that are valid JSON and correctly signed but are not a provider event. */
function signedNonEvent(random: Random): Buffer {
  const stripe = JSON.parse(stripeEventBody(random).toString('utf8')) as Record<string, unknown>;
  const mutations: (() => unknown)[] = [
    () => ({}),
    () => [],
    () => 'event',
    () => 42,
    () => null,
    () => ({ ...stripe, id: undefined }),
    () => ({ ...stripe, id: '' }),
    () => ({ ...stripe, id: 'x'.repeat(256) }),
    () => ({ ...stripe, id: 12 }),
    () => ({ ...stripe, type: undefined }),
    () => ({ ...stripe, type: '' }),
    () => ({ ...stripe, type: ['payment_intent.succeeded'] }),
    () => ({ ...stripe, object: 'evt' }),
    () => ({ ...stripe, created: 'yesterday' }),
    () => ({ ...stripe, created: 1.5 }),
    () => ({ ...stripe, livemode: 'false' }),
    () => ({ ...stripe, data: null }),
    () => ({ ...stripe, data: { object: 'pi' } }),
    () => ({ entity: 'event', event: '', payload: {}, created_at: 1 }),
    () => ({ entity: 'event', event: 'payment.captured', payload: [], created_at: 1 }),
    () => ({ entity: 'event', event: 'payment.captured', payload: {}, created_at: 'now' }),
    () => ({ entity: 'evt', event: 'payment.captured', payload: {}, created_at: 1 }),
  ];
  return Buffer.from(JSON.stringify(random.pick(mutations)()) ?? 'null', 'utf8');
}

/** Headers filling the header section to `totalBytes`, with the request line and other headers counted roughly. */
function fillerHeaders(random: Random, totalBytes: number): Headers {
  const headers: Headers = [];
  let left = totalBytes;
  while (left > 0) {
    const size = Math.min(left, random.int(2000, 8000));
    headers.push([`x-fuzz-${headers.length}`, 'f'.repeat(size)]);
    left -= size + 14;
  }
  return headers;
}

/** Generators by category, with weights. Every request they build is bad input that must get a 4xx or no response. */
function generators(targets: FuzzTargets, bigBody: Buffer): [string, number, (random: Random) => Buffer][] {
  return [
    ['random bytes', 8, (random) => random.bytes(random.int(1, 4096))],
    [
      'garbage request line',
      4,
      (random) =>
        Buffer.concat([
          Buffer.from(`${random.pick(['GET', 'POST', 'PUT', 'FOO', 'P O S T', '', 'get'])} ${random.pick(['/', '/webhooks/stripe', '*', 'http://x', ''])} ${random.pick(['HTTP/1.1', 'HTTP/9.9', 'HTTP/1', 'FTP/1.0', ''])}\r\n`),
          random.bytes(random.int(0, 500)),
          Buffer.from('\r\n\r\n'),
        ]),
    ],
    [
      'webhook random body',
      8,
      (random) => {
        const body = random.bytes(random.int(0, 8000));
        const { path, headers } = webhookWithJunkSignature(random, targets, body);
        if (random.chance(0.7)) headers.push(['content-type', random.pick([...WRONG_CONTENT_TYPES, 'application/json'])]);
        return buildRequest({ method: 'POST', target: path, headers, body });
      },
    ],
    [
      'truncated JSON',
      10,
      (random) => {
        const full = random.chance(0.6) ? stripeEventBody(random) : razorpayEventBody(random);
        const body = full.subarray(0, random.int(0, full.length - 1));
        const { path, headers } = random.chance(0.5) ? signedWebhook(random, targets, body) : webhookWithJunkSignature(random, targets, body);
        return buildRequest({ method: 'POST', target: path, headers: json(headers), body });
      },
    ],
    [
      'huge headers',
      4,
      (random) => {
        const over = random.chance(0.5);
        // Just under leaves room for the request line and the other headers. Just over passes the limit by up to 2 KiB.
        const fill = over ? NODE_MAX_HEADER_BYTES + random.int(1, 2048) : NODE_MAX_HEADER_BYTES - random.int(600, 1500);
        if (random.chance(0.3)) {
          return buildRequest({ method: 'GET', target: '/api/v1/webhook-events', headers: [['authorization', `Bearer ${'k'.repeat(fill - 100)}`]] });
        }
        const body = stripeEventBody(random);
        const signature = `t=${Math.floor(Date.now() / 1000)},v1=${random.text(64, '0123456789abcdef')}`;
        return buildRequest({ method: 'POST', target: targets.stripePath, headers: json([['stripe-signature', signature], ...fillerHeaders(random, fill)]), body });
      },
    ],
    [
      'wrong content type',
      6,
      (random) => {
        if (random.chance(0.5)) {
          const body = stripeEventBody(random);
          const { path, headers } = webhookWithJunkSignature(random, targets, body);
          return buildRequest({ method: 'POST', target: path, headers: [...headers, ['content-type', random.pick(WRONG_CONTENT_TYPES)]], body });
        }
        const body = Buffer.from(JSON.stringify({ name: 'Fuzz conf', currency: 'USD' }));
        return buildRequest({ method: 'POST', target: '/api/v1/events', headers: [bearer(targets), ['content-type', random.pick(WRONG_CONTENT_TYPES)]], body });
      },
    ],
    [
      'invalid UTF-8',
      8,
      (random) => {
        const bad = random.pick(INVALID_UTF8);
        const where = random.int(0, 3);
        if (where === 0) {
          const text = stripeEventBody(random);
          const cut = random.int(1, text.length - 2);
          const body = Buffer.concat([text.subarray(0, cut), bad, text.subarray(cut)]);
          const { path, headers } = signedWebhook(random, targets, body);
          return buildRequest({ method: 'POST', target: path, headers: json(headers), body });
        }
        if (where === 1) {
          // The currency is invalid too, so a decoder that replaces bad bytes still leaves an invalid body.
          const body = Buffer.concat([Buffer.from('{"name":"Fuzz '), bad, Buffer.from('","currency":"U$D"}')]);
          return buildRequest({ method: 'POST', target: '/api/v1/events', headers: json([bearer(targets)]), body });
        }
        if (where === 2) return buildRequest({ method: 'GET', target: '/api/v1/webhook-events', headers: [['authorization', Buffer.concat([Buffer.from('Bearer '), bad, Buffer.from(random.text(20))])]] });
        return buildRequest({ method: 'GET', target: Buffer.concat([Buffer.from('/api/v1/registrations/reg_'), bad]), headers: [bearer(targets)] });
      },
    ],
    [
      'oversized body',
      1,
      (random) => {
        const kind = random.int(0, 2);
        if (kind === 0) {
          const body = bigBody.subarray(0, WEBHOOK_BODY_LIMIT_BYTES + random.int(1, 64 * 1024));
          const { path, headers } = signedWebhook(random, targets, body);
          return buildRequest({ method: 'POST', target: path, headers: json(headers), body });
        }
        if (kind === 1) {
          // Chunked, so the size is only known while reading.
          const body = bigBody.subarray(0, WEBHOOK_BODY_LIMIT_BYTES + random.int(1, 64 * 1024));
          const chunked = Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')]);
          return buildRequest({ method: 'POST', target: targets.stripePath, headers: json([['stripe-signature', stripeSignature(body, STRIPE_SECRET)], ['transfer-encoding', 'chunked']]), body: chunked, contentLength: 'none' });
        }
        const body = Buffer.concat([Buffer.from('{"name":"'), bigBody.subarray(0, API_BODY_LIMIT_BYTES + random.int(1, 4096)), Buffer.from('","currency":"USD"}')]);
        return buildRequest({ method: 'POST', target: '/api/v1/events', headers: json(random.chance(0.5) ? [bearer(targets)] : []), body });
      },
    ],
    [
      'junk signature',
      12,
      (random) => {
        const body = random.chance(0.6) ? stripeEventBody(random) : razorpayEventBody(random);
        const { path, headers } = webhookWithJunkSignature(random, targets, body);
        return buildRequest({ method: 'POST', target: path, headers: json(headers), body });
      },
    ],
    [
      'Razorpay without event id',
      2,
      (random) => {
        const body = razorpayEventBody(random);
        const headers: Headers = [['x-razorpay-signature', razorpaySignature(body, RAZORPAY_SECRET)]];
        if (random.chance(0.5)) headers.push(['x-razorpay-event-id', random.pick(['', '   ', 'x'.repeat(256)])]);
        return buildRequest({ method: 'POST', target: targets.razorpayPath, headers: json(headers), body });
      },
    ],
    [
      'junk id in path',
      10,
      (random) => {
        const id = junkPathSegment(random);
        const route = random.int(0, 7);
        if (route <= 1) {
          const body = stripeEventBody(random);
          const path = route === 0 ? `/webhooks/stripe/${id}` : `/webhooks/razorpay/${id}`;
          const headers: Headers = route === 0 ? [['stripe-signature', stripeSignature(body, STRIPE_SECRET)]] : [['x-razorpay-signature', razorpaySignature(body, RAZORPAY_SECRET)], ['x-razorpay-event-id', 'evt_fuzz']];
          return buildRequest({ method: 'POST', target: path, headers: json(headers), body });
        }
        const paths = [
          `/api/v1/registrations/${id}`,
          `/api/v1/webhook-events/${id}`,
          `/api/v1/subscriptions/${random.pick(['stripe', 'razorpay', id])}/${id}`,
          `/api/v1/events/${id}`,
          `/api/v1/payment-connections/${id}`,
          `/api/v1/webhook-events/replay-batches/${id}`,
        ];
        if (route === 7) {
          const body = Buffer.from(JSON.stringify({ email: 'fuzz@example.com', name: 'Fuzz', amount_due: 4500, currency: 'USD' }));
          return buildRequest({ method: 'POST', target: `/api/v1/events/${id}/registrations`, headers: json([bearer(targets)]), body });
        }
        return buildRequest({ method: 'GET', target: random.pick(paths), headers: [bearer(targets)] });
      },
    ],
    [
      'malformed API JSON',
      12,
      (random) => {
        const { path, body } = invalidApiBody(random, targets);
        return buildRequest({ method: 'POST', target: path, headers: json([bearer(targets)]), body: Buffer.from(body, 'utf8') });
      },
    ],
    [
      'junk Authorization',
      8,
      (random) => {
        const value = random.pick<() => HeaderValue>([
          () => '',
          () => 'Bearer',
          () => 'Bearer ',
          () => `Bearer ${random.text(random.int(1, 300), PRINTABLE.replace(' ', ''))}`,
          () => `bearer ${random.text(40)}`,
          () => `Basic ${Buffer.from('user:pass').toString('base64')}`,
          () => `Bearer ${targets.apiKey}x`,
          () => `Bearer ${targets.apiKey.slice(0, -1)}`,
          () => `Bearer ${targets.apiKey} ${targets.apiKey}`,
          () => `Bearer\t${random.text(30)}`,
          () => Buffer.concat([Buffer.from('Bearer '), random.bytes(30).map((byte) => (byte < 0x21 || byte === 0x7f ? 0x41 : byte))]),
        ])();
        const headers: Headers = [['authorization', value]];
        if (random.chance(0.5)) {
          const body = Buffer.from(JSON.stringify({ email: 'fuzz@example.com', name: 'Fuzz', amount_due: 4500, currency: 'USD' }));
          return buildRequest({ method: 'POST', target: `/api/v1/events/${targets.usdEventId}/registrations`, headers: json(headers), body });
        }
        return buildRequest({ method: 'GET', target: random.pick(['/api/v1/webhook-events', '/api/v1/webhook-status', `/api/v1/events/${targets.usdEventId}`]), headers });
      },
    ],
    [
      'junk query',
      3,
      (random) => {
        const invalid = random.pick(['limit=abc', 'limit=0', 'limit=100000', 'cursor=abc', 'cursor=1e5', 'status=zzz', 'provider=paypal', 'limit=1&limit=2', 'status=%00', 'cursor=-1']);
        const extra = random.chance(0.5) ? `&${random.pick(['provider=stripe', 'limit=5', 'status=rejected'])}` : '';
        return buildRequest({ method: 'GET', target: `/api/v1/webhook-events?${invalid}${extra}`, headers: [bearer(targets)] });
      },
    ],
    [
      'signed non-event',
      6,
      (random) => {
        const body = signedNonEvent(random);
        const { path, headers } = signedWebhook(random, targets, body);
        return buildRequest({ method: 'POST', target: path, headers: json(headers), body });
      },
    ],
    [
      'bad framing',
      4,
      (random) => {
        const body = stripeEventBody(random);
        const { path, headers } = webhookWithJunkSignature(random, targets, body);
        const framing = random.int(0, 5);
        if (framing === 0) return buildRequest({ method: 'POST', target: path, headers: json([...headers, ['content-length', String(body.length + 7)]]), body });
        if (framing === 1) return buildRequest({ method: 'POST', target: path, headers: json(headers), body, contentLength: { raw: random.pick(['abc', '-1', '99999999999999999999', '1 2']) } });
        if (framing === 2) return buildRequest({ method: 'POST', target: path, headers: json([...headers, ['transfer-encoding', 'chunked']]), body: Buffer.concat([Buffer.from('zz\r\n'), body, Buffer.from('\r\n0\r\n\r\n')]), contentLength: 'none' });
        if (framing === 3) return buildRequest({ method: 'POST', target: path, headers: json([...headers, ['transfer-encoding', 'chunked']]), body });
        if (framing === 4) return buildRequest({ method: 'POST', target: path, headers: json(headers), body: body.subarray(0, Math.floor(body.length / 2)), contentLength: body.length });
        return buildRequest({ method: 'POST', target: path, headers: json([...headers, ['x-bad', Buffer.from([0x41, random.pick([0x00, 0x01, 0x0b, 0x7f]), 0x42])]]), body });
      },
    ],
  ];
}

/** Returns a generator of seeded malformed requests against the given endpoints. */
export function malformedRequests(targets: FuzzTargets): (random: Random) => MalformedRequest {
  // One large body, sliced for each oversized request, so none of them costs a fresh megabyte.
  const bigBody = Buffer.alloc(WEBHOOK_BODY_LIMIT_BYTES + 64 * 1024, 'a');
  const table = generators(targets, bigBody);
  const weighted = table.map(([kind, weight, build]) => [{ kind, build }, weight] as const);
  return (random) => {
    const { kind, build } = random.weighted(weighted);
    return { kind, bytes: build(random) };
  };
}
