import type Koa from 'koa';

/** who made a request: a token label, the console session that used it, or nobody (no token set) */
export interface Actor {
  /** `token#1` (by its place in SENDER_API_TOKEN), or `anonymous` on a sender without a token */
  label: string;
  via: 'bearer' | 'console' | 'open';
  /** the console session's public label (`console:…`), never its cookie */
  session?: string;
}

export interface AuditRecord {
  actor: string;
  via: Actor['via'];
  session?: string;
  address: string;
  action: string;
  status: number;
  deliveryId?: string;
  endpointId?: string;
  redeliveryId?: string;
  eventTypes?: string[];
  deliveryCount?: number;
  deliveryIds?: string[];
  scenarioRunId?: string;
}

// request-derived values are cut: a log line stays small whatever the request
const MAX_PATH_CHARS = 200;
const MAX_IDS = 20;

const cut = (value: string, max = MAX_PATH_CHARS) => (value.length > max ? `${value.slice(0, max)}…` : value);

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Buffer.isBuffer(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function decoded(segment: string): string {
  try {
    return cut(decodeURIComponent(segment), 64);
  } catch {
    return cut(segment, 64);
  }
}

const idOf = (value: unknown): string | undefined => {
  const id = asRecord(value)?.id;
  return typeof id === 'string' ? cut(id, 64) : undefined;
};

/** what a state-changing call did, and to which delivery or endpoint: no header, body field or secret */
export function auditRecord(ctx: Koa.Context, actor: Actor, status: number): AuditRecord {
  const record: AuditRecord = {
    actor: actor.label,
    via: actor.via,
    ...(actor.session ? { session: actor.session } : {}),
    address: ctx.ip,
    action: `${ctx.method} ${cut(ctx.path)}`,
    status,
  };
  const redeliver = /^\/deliveries\/([^/]+)\/redeliver$/.exec(ctx.path);
  if (redeliver?.[1]) {
    record.deliveryId = decoded(redeliver[1]);
    const created = idOf(asRecord(ctx.body)?.delivery);
    if (created && status < 300) record.redeliveryId = created;
  }
  const endpoint = /^\/endpoints\/([^/]+)$/.exec(ctx.path);
  if (endpoint?.[1]) {
    record.endpointId = decoded(endpoint[1]);
  }
  const stop = /^\/scenarios\/([^/]+)\/stop$/.exec(ctx.path);
  if (stop?.[1]) {
    record.scenarioRunId = decoded(stop[1]);
  }
  const body = status < 300 ? asRecord(ctx.body) : undefined;
  if (ctx.path === '/scenarios' && body) {
    const id = idOf(body);
    if (id) record.scenarioRunId = id;
    if (typeof body.endpointId === 'string') record.endpointId = cut(body.endpointId, 64);
  }
  if (ctx.path === '/endpoints' && body) {
    const id = idOf(body);
    if (id) record.endpointId = id;
  }
  if (ctx.path === '/events' && body) {
    const deliveries = Array.isArray(body.deliveries) ? body.deliveries : [];
    const events = Array.isArray(body.events) ? body.events : [];
    const types = new Set(events.map((event) => asRecord(event)?.event).filter((t) => typeof t === 'string'));
    record.eventTypes = [...types].slice(0, MAX_IDS).map((type) => cut(type as string, 64));
    record.deliveryCount = deliveries.length;
    record.deliveryIds = deliveries.slice(0, MAX_IDS).flatMap((delivery) => idOf(delivery) ?? []);
  }
  return record;
}
