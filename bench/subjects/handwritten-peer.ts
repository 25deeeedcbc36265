// the receiver a careful team writes by hand with this stack, the peer the receiver's cost is held against:
// the shared zod schema, a SHA-256 dedupe key, one durable INSERT per request (libsql, WAL,
// synchronous FULL) before the 200, then the handler and a status update after the response
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { DEFAULT_SECRET_HEADER } from '@omni-webhooks/contract';
import { webhookEventSchema } from '@omni-webhooks/schema';
import { openSqlite } from '@omni-webhooks/sqlite';
import Koa from 'koa';

const BODY_LIMIT = 1024 * 1024;
const secret = Buffer.from(process.env.WEBHOOK_SECRET ?? '');
const db = openSqlite(process.env.PEER_DB_FILE ?? 'peer.sqlite');
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.exec(`CREATE TABLE IF NOT EXISTS events (
  key TEXT PRIMARY KEY, type TEXT NOT NULL, body TEXT NOT NULL,
  status TEXT NOT NULL, received_at INTEGER NOT NULL)`);
const insert = db.prepare<[string, string, string, number]>(
  `INSERT INTO events (key, type, body, status, received_at) VALUES (?, ?, ?, 'received', ?)
   ON CONFLICT (key) DO NOTHING`,
);
const markProcessed = db.prepare<[string]>(`UPDATE events SET status = 'processed' WHERE key = ?`);

function authorized(got: string | undefined): boolean {
  const given = Buffer.from(got ?? '');
  return given.length === secret.length && timingSafeEqual(given, secret);
}

async function readBody(req: NodeJS.ReadableStream): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > BODY_LIMIT) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

const handle = (_type: string): void => {};

const app = new Koa();
app.use(async (ctx: Koa.Context) => {
  if (ctx.method === 'GET' && ctx.path === '/healthz') {
    ctx.body = { ok: true };
    return;
  }
  if (ctx.method !== 'POST' || ctx.path !== '/webhooks/omniai') ctx.throw(404);
  if (!authorized(ctx.get(DEFAULT_SECRET_HEADER))) ctx.throw(401);
  const raw = await readBody(ctx.req);
  if (!raw) ctx.throw(413);
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch {
    ctx.throw(400, 'invalid json');
  }
  const parsed = webhookEventSchema.safeParse(json);
  if (!parsed.success) ctx.throw(400, 'invalid event');
  const key = ctx.get('webhook-id') || createHash('sha256').update(raw).digest('hex');
  const stored = insert.run(key, parsed.data.event, raw.toString('utf8'), Date.now()).changes === 1;
  ctx.body = { ok: true, duplicate: !stored };
  if (stored) {
    setImmediate(() => {
      handle(parsed.data.event);
      markProcessed.run(key);
    });
  }
});

const server = createServer(app.callback());
server.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
process.on('SIGTERM', () =>
  server.close(() => {
    db.close();
    process.exit(0);
  }),
);
