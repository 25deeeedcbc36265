// property-based fuzzing of POST /webhooks/omniai over real http: never a 5xx, never a crash, never a
// polluted prototype, nothing stored without a credential, nothing stored twice (slow and partial
// bodies, signature headers stripped from a signed delivery). FUZZ_RUNS=10000 via `pnpm fuzz`.
import { createSignatureHeaders, SIGNATURE_HEADERS } from '@omni-webhooks/contract';
import { WEBHOOK_EVENT_TYPES } from '@omni-webhooks/schema';
import { createFakeEvent } from '@omni-webhooks/schema/fixtures';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from '../test-support/raw-request.js';
import { type Harness, SECRETS, SIGNING_KEYS, startHarness } from '../test-support/receiver-harness.js';

const runs = Number(process.env.FUZZ_RUNS ?? 300);
const timeoutMs = Math.max(30_000, runs * 20);
const statuses = new Map<number, number>();
const slowStatuses = new Map<number, number>();
const ALLOWED = new Set([200, 400, 401, 408, 413, 415]);
const BODY_LIMIT = 64 * 1024;

const fakeEvent = fc
  .tuple(fc.constantFrom(...WEBHOOK_EVENT_TYPES), fc.nat())
  .map(([type, seed]) => createFakeEvent(type, undefined, { seed }) as unknown as Record<string, unknown>);

const mutatedEvent = fc
  .tuple(fakeEvent, fc.string({ maxLength: 20 }), fc.jsonValue({ maxDepth: 3 }))
  .map(([event, key, value]) => ({ ...event, [key]: value }));

const hostileKey = fc.constantFrom(
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'event',
);

const hostileText = fc.oneof(
  fc
    .nat({ max: 5000 })
    .map((depth) => `{"event":"lead.created","data":${'['.repeat(depth)}${']'.repeat(depth)}}`),
  fc.nat({ max: 200 }).map((depth) => `${'{"a":'.repeat(depth)}{"event":"lead.created"}${'}'.repeat(depth)}`),
  fc
    .tuple(hostileKey, fc.jsonValue({ maxDepth: 2 }), fakeEvent)
    .map(([key, value, event]) =>
      JSON.stringify(event).replace(/^\{/, `{${JSON.stringify(key)}:${JSON.stringify(value)},`),
    ),
  // a key of the event repeated, at the top or inside data (the receiver must refuse, not pick one)
  fc.tuple(fakeEvent, fc.jsonValue({ maxDepth: 1 }), fc.boolean()).map(([event, value, nested]) => {
    const text = JSON.stringify(event);
    return nested
      ? text.replace(/"data":\{/, `"data":{"dup":${JSON.stringify(value)},"dup":1,`)
      : text.replace(/\}$/, `,"event":${JSON.stringify(value)}}`);
  }),
  fc
    .integer({ min: 0, max: BODY_LIMIT + 1024 })
    .map((size) => `{"event":"lead.created","x":"${'a'.repeat(size)}"}`),
  fc.constantFrom(
    '',
    ' ',
    'null',
    '[]',
    '{}',
    '{"event":null}',
    '{"event":"lead.created"',
    '\u0000',
    '{"event":"\\ud800"}',
  ),
);

const body: fc.Arbitrary<string | Uint8Array> = fc.oneof(
  { weight: 3, arbitrary: fakeEvent.map((event) => JSON.stringify(event)) },
  { weight: 2, arbitrary: mutatedEvent.map((event) => JSON.stringify(event)) },
  { weight: 2, arbitrary: fc.jsonValue().map((value) => JSON.stringify(value) ?? '') },
  {
    weight: 2,
    arbitrary: fc
      .record(
        { event: fc.oneof(fc.constantFrom(...WEBHOOK_EVENT_TYPES), fc.string(), fc.jsonValue()) },
        { requiredKeys: [] },
      )
      .chain((base) =>
        fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 })).map((rest) => ({ ...rest, ...base })),
      )
      .map((value) => JSON.stringify(value)),
  },
  { weight: 2, arbitrary: hostileText },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }) },
);

const printable = fc.string({ unit: 'grapheme-ascii', maxLength: 60 });

// weighted towards what passes each gate, so most cases reach parsing, validation and the store
const secretHeader = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...SECRETS).map((secret) => ({ value: secret, valid: true })) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(...SECRETS)
      .chain((secret) =>
        fc.nat({ max: secret.length - 1 }).map((n) => ({ value: secret.slice(0, n), valid: false })),
      ),
  },
  {
    weight: 1,
    arbitrary: printable.map((value) => ({ value, valid: (SECRETS as readonly string[]).includes(value) })),
  },
  { weight: 1, arbitrary: fc.constant({ value: undefined, valid: false }) },
);

const contentType = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8') },
  {
    weight: 1,
    arbitrary: fc.constantFrom('text/plain', 'application/xml', '', 'application/json; charset=latin1'),
  },
  { weight: 1, arbitrary: printable },
);

const extraHeaders = fc.oneof(
  { weight: 4, arbitrary: fc.constant({}) },
  {
    weight: 1,
    arbitrary: fc.dictionary(
      fc.constantFrom(
        SIGNATURE_HEADERS.id,
        SIGNATURE_HEADERS.timestamp,
        SIGNATURE_HEADERS.signature,
        'x-forwarded-for',
      ),
      printable,
      { maxKeys: 3 },
    ),
  },
);

let harness: Harness;
// short timeouts, so stalled bodies end quickly
let slow: Harness;
beforeAll(async () => {
  // no failure limit: a 429 would stop the hostile cases short of the parser and the store
  harness = await startHarness({
    BODY_LIMIT_BYTES: String(BODY_LIMIT),
    SIGNATURE_MODE: 'optional',
    AUTH_FAILURE_LIMIT: '0',
  });
  slow = await startHarness({
    HEADERS_TIMEOUT_MS: '300',
    REQUEST_TIMEOUT_MS: '300',
    AUTH_FAILURE_LIMIT: '0',
  });
});
afterAll(async () => {
  await harness.close();
  await slow.close();
  if (process.env.FUZZ_RUNS) {
    const summary = [...slowStatuses.entries()]
      .sort(([a], [b]) => a - b)
      .map(([status, n]) => `${status}: ${n}`);
    process.stdout.write(
      `fuzz: slow and partial bodies answered ${summary.join(', ')} (0: closed unanswered)\n`,
    );
  }
});

async function storedTotal(target: Harness = harness): Promise<number> {
  const counts = await target.store.countByStatus();
  return Object.values(counts).reduce((sum, n) => sum + n, 0);
}

async function send(payload: string | Uint8Array, headers: Record<string, string>) {
  const response = await fetch(`${harness.url}/webhooks/omniai`, { method: 'POST', headers, body: payload });
  const text = await response.text();
  return { status: response.status, text };
}

describe(`ingest fuzzing (${runs} cases per property)`, () => {
  it(
    'never answers 5xx, never stores without the secret, never pollutes a prototype',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          body,
          secretHeader,
          contentType,
          extraHeaders,
          async (payload, secret, type, extra) => {
            const headers: Record<string, string> = { ...extra };
            if (type !== '') headers['content-type'] = type;
            if (secret.value !== undefined) headers['x-webhook-secret'] = secret.value;
            const before = await storedTotal();
            const { status, text } = await send(payload, headers);
            statuses.set(status, (statuses.get(status) ?? 0) + 1);
            expect(ALLOWED.has(status), `status ${status}: ${text.slice(0, 200)}`).toBe(true);
            expect(JSON.parse(text)).toEqual(expect.any(Object));
            if (!secret.valid) {
              expect(status).not.toBe(200);
              expect(await storedTotal()).toBe(before);
            }
            for (const value of SECRETS) expect(text).not.toContain(value);
            expect(({} as Record<string, unknown>).polluted).toBeUndefined();
            expect(Object.getPrototypeOf({})).toBe(Object.prototype);
          },
        ),
        { numRuns: runs },
      );
      // still alive and serving
      expect((await fetch(`${harness.url}/healthz`)).status).toBe(200);
      if (process.env.FUZZ_RUNS) {
        const summary = [...statuses.entries()]
          .sort(([a], [b]) => a - b)
          .map(([status, n]) => `${status}: ${n}`);
        process.stdout.write(`fuzz: ${runs} hostile deliveries, answers ${summary.join(', ')}\n`);
      }
    },
    timeoutMs,
  );

  it(
    'refuses every body that repeats a key, at the top or nested, and stores none',
    async () => {
      const duplicated = fc
        .tuple(fakeEvent, fc.nat(), fc.string({ minLength: 1, maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }))
        .map(([event, salt, key, value]) => {
          // the key twice in one object: at the top, or inside the event's data
          const pair = `${JSON.stringify(key)}:${JSON.stringify(value)}`;
          const text = JSON.stringify({ ...event, fuzzSalt: salt });
          // a function, not a string: a key holding `$&` must not be read as a replacement pattern
          const top = text.replace(/^\{/, () => `{${pair},${pair},`);
          // the first nested object of the event, if it has one
          const nested = text.replace(/:\{(?!\})/, () => `:{${pair},${pair},`);
          return salt % 2 === 0 || nested === text ? top : nested;
        });
      await fc.assert(
        fc.asyncProperty(duplicated, async (payload) => {
          const before = await storedTotal();
          const { status, text } = await send(payload, {
            'content-type': 'application/json',
            'x-webhook-secret': SECRETS[0],
          });
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          expect(status, text).toBe(400);
          expect(JSON.parse(text).error.code).toMatch(/^(duplicate_key|reserved_key)$/);
          expect(await storedTotal()).toBe(before);
        }),
        { numRuns: Math.max(50, Math.floor(runs / 10)) },
      );
    },
    timeoutMs,
  );

  it(
    'stores every authenticated, correctly signed fake event',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fakeEvent,
          fc.constantFrom(...SECRETS),
          fc.constantFrom(...SIGNING_KEYS),
          async (event, secret, key) => {
            const payload = JSON.stringify(event);
            const headers = {
              'content-type': 'application/json',
              'x-webhook-secret': secret,
              ...createSignatureHeaders({ secret: key, body: payload }),
            };
            const { status, text } = await send(payload, headers);
            expect(status, text).toBe(200);
            const id = (JSON.parse(text) as { id: string }).id;
            // the same canonical body stored earlier within the window (a hostile case repeating a key,
            // say) is this event: the row keeps its first raw bytes
            const stored = (await harness.store.get(id))?.payload ?? 'null';
            expect(JSON.parse(stored)).toEqual(JSON.parse(payload));
            if (JSON.parse(text).status === 'accepted') expect(stored).toBe(payload);
          },
        ),
        { numRuns: Math.max(50, Math.floor(runs / 10)) },
      );
    },
    timeoutMs,
  );

  it(
    'stores a signed delivery once, whichever of its signature headers and secret a replay strips',
    async () => {
      const strip = fc.subarray([
        SIGNATURE_HEADERS.id,
        SIGNATURE_HEADERS.timestamp,
        SIGNATURE_HEADERS.signature,
        'x-webhook-secret',
      ]);
      await fc.assert(
        fc.asyncProperty(fakeEvent, fc.nat(), strip, async (event, salt, stripped) => {
          // a salt keeps each case's body apart from the earlier ones
          const payload = JSON.stringify({ ...event, fuzzSalt: salt });
          const full: Record<string, string> = {
            'content-type': 'application/json',
            'x-webhook-secret': SECRETS[0],
            ...createSignatureHeaders({ secret: SIGNING_KEYS[0], body: payload }),
          };
          const first = await send(payload, full);
          expect([200]).toContain(first.status);
          const before = await storedTotal();
          const replay = Object.fromEntries(
            Object.entries(full).filter(([name]) => !stripped.includes(name)),
          );
          const again = await send(payload, replay);
          statuses.set(again.status, (statuses.get(again.status) ?? 0) + 1);
          expect([200, 401], again.text).toContain(again.status);
          if (again.status === 200)
            expect(JSON.parse(again.text)).toMatchObject({
              status: 'duplicate',
              id: JSON.parse(first.text).id,
            });
          expect(await storedTotal()).toBe(before);
        }),
        { numRuns: Math.max(50, Math.floor(runs / 10)) },
      );
    },
    timeoutMs,
  );

  it(
    'answers or closes slow and partial bodies in bounded time, storing a body at most once',
    async () => {
      const shape = fc.record({
        cut: fc.double({ min: 0, max: 1, noNaN: true }),
        chunks: fc.integer({ min: 1, max: 4 }),
        everyMs: fc.integer({ min: 0, max: 40 }),
        // whole: every byte, slowly; stalled: part, then silence; ended: part, then the client half-closes
        ending: fc.constantFrom('whole', 'stalled', 'ended'),
        signedOnly: fc.boolean(),
      });
      await fc.assert(
        fc.asyncProperty(fakeEvent, fc.nat(), shape, async (event, salt, how) => {
          const payload = JSON.stringify({ ...event, fuzzSalt: salt });
          const credentials = how.signedOnly
            ? createSignatureHeaders({ secret: SIGNING_KEYS[1], body: payload })
            : { 'x-webhook-secret': SECRETS[1] };
          const head = [
            'POST /webhooks/omniai HTTP/1.1',
            'host: 127.0.0.1',
            'content-type: application/json',
            'connection: close',
            `content-length: ${Buffer.byteLength(payload)}`,
            ...Object.entries(credentials).map(([name, value]) => `${name}: ${value}`),
          ].join('\r\n');
          const sent =
            how.ending === 'whole' ? payload : payload.slice(0, Math.floor(payload.length * how.cut * 0.99));
          const size = Math.ceil(sent.length / how.chunks) || 1;
          const trickle = Array.from({ length: Math.ceil(sent.length / size) }, (_, i) =>
            sent.slice(i * size, (i + 1) * size),
          );
          const before = await storedTotal(slow);
          const exchange = await rawRequest(slow.url, `${head}\r\n\r\n`, {
            trickle,
            everyMs: how.everyMs,
            endAfterTrickle: how.ending === 'ended',
            giveUpMs: 5000,
          });
          slowStatuses.set(exchange.status ?? 0, (slowStatuses.get(exchange.status ?? 0) ?? 0) + 1);
          expect([200, 400, 408, undefined], exchange.response.slice(0, 200)).toContain(exchange.status);
          if (how.ending !== 'whole') expect(exchange.status).not.toBe(200);
          expect(await storedTotal(slow)).toBe(before + (exchange.status === 200 ? 1 : 0));
          // the sender's retry of the same body, whole: stored once in all
          const retry = await fetch(`${slow.url}/webhooks/omniai`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...credentials },
            body: payload,
          });
          expect(retry.status).toBe(200);
          expect(await storedTotal(slow)).toBe(before + 1);
        }),
        { numRuns: Math.max(30, Math.floor(runs / 10)) },
      );
      expect((await fetch(`${slow.url}/healthz`)).status).toBe(200);
    },
    timeoutMs,
  );
});
