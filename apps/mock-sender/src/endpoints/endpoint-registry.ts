import { newId } from '../events/ids.js';
import type { SqliteDatabase } from '../outbox/database.js';
import type { DeliveryTarget } from '../outbox/outbox.js';

/** the endpoint TARGET_URL configures; rewritten on every start */
export const DEFAULT_ENDPOINT_ID = 'default';

export interface EndpointInput {
  url: string;
  secret?: string | undefined;
  secretHeader?: string | undefined;
  /** event types this endpoint subscribes to; none means every event */
  events?: readonly string[] | undefined;
  sign?: boolean | undefined;
}

export interface Endpoint {
  id: string;
  url: string;
  secret: string | undefined;
  secretHeader: string;
  events: string[] | null;
  sign: boolean;
  createdAt: string;
}

/** what the API shows: whether a secret is set, never the secret */
export type EndpointView = Omit<Endpoint, 'secret'> & { hasSecret: boolean };

interface EndpointRow {
  id: string;
  url: string;
  secret: string | null;
  secret_header: string;
  events: string | null;
  sign: number;
  created_at: number;
}

function toEndpoint(row: EndpointRow): Endpoint {
  return {
    id: row.id,
    url: row.url,
    secret: row.secret ?? undefined,
    secretHeader: row.secret_header,
    events: row.events === null ? null : (JSON.parse(row.events) as string[]),
    sign: row.sign === 1,
    createdAt: new Date(row.created_at).toISOString(),
  };
}

export function endpointView({ secret, ...endpoint }: Endpoint): EndpointView {
  return { ...endpoint, hasSecret: secret !== undefined };
}

export interface EndpointDefaults {
  secretHeader: string;
  sign: boolean;
}

export class EndpointRegistry {
  readonly #db: SqliteDatabase;
  readonly #defaults: EndpointDefaults;

  constructor(db: SqliteDatabase, defaults: EndpointDefaults) {
    this.#db = db;
    this.#defaults = defaults;
  }

  list(): Endpoint[] {
    const rows = this.#db.prepare('SELECT * FROM endpoints ORDER BY created_at, id').all() as EndpointRow[];
    return rows.map(toEndpoint);
  }

  get(id: string): Endpoint | undefined {
    const row = this.#db.prepare('SELECT * FROM endpoints WHERE id = ?').get(id) as EndpointRow | undefined;
    return row && toEndpoint(row);
  }

  add(input: EndpointInput, now: number, id: string = newId('ep')): Endpoint {
    this.#db
      .prepare(
        `INSERT INTO endpoints (id, url, secret, secret_header, events, sign, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET url = excluded.url, secret = excluded.secret,
           secret_header = excluded.secret_header, events = excluded.events, sign = excluded.sign`,
      )
      .run(
        id,
        input.url,
        input.secret ?? null,
        input.secretHeader ?? this.#defaults.secretHeader,
        input.events?.length ? JSON.stringify(input.events) : null,
        (input.sign ?? this.#defaults.sign) ? 1 : 0,
        now,
      );
    const endpoint = this.get(id);
    if (!endpoint) {
      throw new Error(`endpoint ${id} vanished after insert`);
    }
    return endpoint;
  }

  remove(id: string): boolean {
    return this.#db.prepare('DELETE FROM endpoints WHERE id = ?').run(id).changes > 0;
  }

  /** TARGET_URL (with WEBHOOK_SECRET) becomes the `default` endpoint; without it there is none */
  syncDefault(targetUrl: string | undefined, secret: string | undefined, now: number): void {
    if (targetUrl === undefined) {
      this.remove(DEFAULT_ENDPOINT_ID);
      return;
    }
    this.add({ url: targetUrl, secret }, now, DEFAULT_ENDPOINT_ID);
  }

  /** the endpoints subscribed to an event type, as delivery targets */
  targetsFor(eventType: string, endpoints: readonly Endpoint[] = this.list()): DeliveryTarget[] {
    return endpoints
      .filter((endpoint) => endpoint.events === null || endpoint.events.includes(eventType))
      .map((endpoint) => ({
        endpointId: endpoint.id,
        url: endpoint.url,
        secret: endpoint.secret,
        secretHeader: endpoint.secretHeader,
        sign: endpoint.sign && endpoint.secret !== undefined,
      }));
  }
}
