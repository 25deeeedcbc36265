// property-based fuzzing of the sender's HTTP API over real http: never a 5xx, never a crash, events
// enqueued once per endpoint and request, and header lines trickled byte by byte cut by
// HEADERS_TIMEOUT_MS while the API goes on serving. FUZZ_RUNS=10000 via `pnpm fuzz`.
import { connect } from 'node:net';
import { WEBHOOK_EVENT_TYPES } from '@omni-webhooks/schema';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { useSenderApi } from '../test-support/sender-api.js';

const runs = Number(process.env.FUZZ_RUNS ?? 300);
const timeoutMs = Math.max(30_000, runs * 30);
const api = useSenderApi();
const ALLOWED = new Set([200, 201, 202, 400, 404, 405, 409, 413, 415]);

const printable = fc.string({ unit: 'grapheme-ascii', maxLength: 40 });

const body = fc.oneof(
  fc.record(
    {
      event: fc.oneof(fc.constantFrom(...WEBHOOK_EVENT_TYPES), printable),
      count: fc.integer({ min: -2, max: 3 }),
    },
    { requiredKeys: [] },
  ),
  fc.record(
    {
      url: fc.oneof(printable, fc.constant('http://127.0.0.1:9/h')),
      secret: printable,
      secretHeader: printable,
    },
    { requiredKeys: [] },
  ),
  fc.jsonValue({ maxDepth: 3 }),
);

const request = fc.record({
  method: fc.constantFrom('GET', 'POST', 'DELETE', 'PUT'),
  path: fc.constantFrom(
    '/events',
    '/events/validate',
    '/endpoints',
    '/deliveries',
    '/deliveries/dlv_x/redeliver',
    '/x',
  ),
  body: fc.oneof(
    body.map((value) => JSON.stringify(value) ?? ''),
    fc.string({ unit: 'binary', maxLength: 200 }),
  ),
  type: fc.constantFrom('application/json', 'text/plain', ''),
});

/** a request whose header lines go out in pieces of `piece` bytes every `everyMs`; the server's answer */
function trickle(base: string, head: string, piece: number, everyMs: number): Promise<string> {
  const { port } = new URL(base);
  return new Promise((resolve) => {
    const socket = connect(Number(port), '127.0.0.1');
    let answer = '';
    let offset = 0;
    let timer: NodeJS.Timeout | undefined;
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1');
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(answer);
    });
    const next = () => {
      if (socket.destroyed) return;
      socket.write(head.slice(offset, offset + piece));
      offset += piece;
      // the whole head sent, and no answer: stop holding the connection
      if (offset >= head.length) timer = setTimeout(() => socket.end(), 2000);
      else timer = setTimeout(next, everyMs);
    };
    socket.once('connect', next);
  });
}

describe(`sender API fuzzing (${runs} cases per property)`, () => {
  it(
    'never answers 5xx, and enqueues each accepted event once per endpoint',
    async () => {
      const target = await api.receiver();
      const { base, sender } = await api.sender({ MAX_ENDPOINTS: '10000' });
      sender.endpoints.add({ url: target.url }, Date.now());
      await fc.assert(
        fc.asyncProperty(request, async (sent) => {
          const before = sender.outbox.list({ limit: 10_000 }).deliveries.length;
          const endpoints = sender.endpoints.list().length;
          const response = await fetch(`${base}${sent.path}`, {
            method: sent.method,
            headers: sent.type === '' ? {} : { 'content-type': sent.type },
            body: sent.method === 'GET' ? null : sent.body,
          });
          const text = await response.text();
          expect(ALLOWED.has(response.status), `${response.status}: ${text.slice(0, 200)}`).toBe(true);
          const after = sender.outbox.list({ limit: 10_000 }).deliveries.length;
          if (sent.method === 'POST' && sent.path === '/events' && response.status === 202) {
            const count = (JSON.parse(sent.body) as { count?: number }).count ?? 1;
            expect(after - before).toBe(count * endpoints);
          } else if (!(sent.method === 'POST' && sent.path.endsWith('/redeliver'))) {
            expect(after).toBe(before);
          }
        }),
        { numRuns: runs },
      );
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
    },
    timeoutMs,
  );

  it(
    'cuts trickled header lines at HEADERS_TIMEOUT_MS, never a 5xx, and keeps serving',
    async () => {
      const { base } = await api.sender({ HEADERS_TIMEOUT_MS: '300', REQUEST_TIMEOUT_MS: '300' });
      const shape = fc.record({
        lines: fc.integer({ min: 1, max: 30 }),
        piece: fc.integer({ min: 1, max: 64 }),
        everyMs: fc.integer({ min: 0, max: 40 }),
      });
      const answered = new Map<string, number>();
      await fc.assert(
        fc.asyncProperty(shape, async ({ lines, piece, everyMs }) => {
          const head = [
            'GET /healthz HTTP/1.1',
            'host: 127.0.0.1',
            'connection: close',
            ...Array.from({ length: lines }, (_, i) => `x-trickle-${i}: ${'a'.repeat(i)}`),
          ].join('\r\n');
          const answer = await trickle(base, `${head}\r\n\r\n`, piece, everyMs);
          const status = /^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 'closed';
          answered.set(status, (answered.get(status) ?? 0) + 1);
          expect(['200', '408', 'closed'], answer.slice(0, 100)).toContain(status);
          // a head that took far past the bound to send is never answered 200
          const sendMs = Math.ceil(head.length / piece) * everyMs;
          if (sendMs > 3000) expect(status).not.toBe('200');
        }),
        { numRuns: Math.max(30, Math.floor(runs / 20)) },
      );
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      if (process.env.FUZZ_RUNS) {
        const summary = [...answered.entries()].map(([status, n]) => `${status}: ${n}`).join(', ');
        process.stdout.write(`fuzz: trickled headers answered ${summary}\n`);
      }
    },
    timeoutMs,
  );
});
