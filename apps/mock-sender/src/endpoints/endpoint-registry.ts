import { newId } from '../base/ids.js';
import type { SqliteDatabase } from '../outbox/database.js';
import type { DeliveryTarget } from '../outbox/outbox.js';
import { resolveSigningKey } from './signing-key.js';

/** the endpoint TARGET_URL configures; rewritten on every start */
export const DEFAULT_ENDPOINT_ID = 'default';

export interface EndpointInput {
  url: string;
  secret?: string | undefined;
  secretHeader?: string | undefined;
  /** `whsec_` key the Standard Webhooks signature is made with; never sent, never shown */
  signingKey?: string | undefined;
  /** event types this endpoint subscribes to; none means every event */
  events?: readonly string[] | undefined;
  /** default: true with a signing key, else the sender's default (WEBHOOK_SIGNING) */
  sign?: boolean | undefined;
}

export interface Endpoint {
  id: string;
  url: string;
  secret: string | undefined;
  secretHeader: string;
  signingKey: string | undefined;
  events: string[] | null;
  sign: boolean;
  createdAt: string;
}

/** what the API shows: whether a secret and a signing key are set, never either */
export type EndpointView = Omit<Endpoint, 'secret' | 'signingKey'> & {
  hasSecret: boolean;
  hasSigningKey: boolean;
};

interface EndpointRow {
  id: string;
  url: string;
  secret: string | null;
  secret_header: string;
  signing_key: string | null;
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
    signingKey: row.signing_key ?? undefined,
    events: row.events === null ? null : (JSON.parse(row.events) as string[]),
    sign: row.sign === 1,
    createdAt: new Date(row.created_at).toISOString(),
  };
}

export function endpointView({ secret, signingKey, ...endpoint }: Endpoint): EndpointView {
  return { ...endpoint, hasSecret: secret !== undefined, hasSigningKey: signingKey !== undefined };
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

  count(): number {
    return (this.#db.prepare('SELECT count(*) AS n FROM endpoints').get() as { n: number }).n;
  }

  get(id: string): Endpoint | undefined {
    const row = this.#db.prepare('SELECT * FROM endpoints WHERE id = ?').get(id) as EndpointRow | undefined;
    return row && toEndpoint(row);
  }

  add(input: EndpointInput, now: number, id: string = newId('ep')): Endpoint {
    this.#db
      .prepare(
        `INSERT INTO endpoints (id, url, secret, secret_header, signing_key, events, sign, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET url = excluded.url, secret = excluded.secret,
           secret_header = excluded.secret_header, signing_key = excluded.signing_key,
           events = excluded.events, sign = excluded.sign`,
      )
      .run(
        id,
        input.url,
        input.secret ?? null,
        input.secretHeader ?? this.#defaults.secretHeader,
        input.signingKey ?? null,
        input.events?.length ? JSON.stringify(input.events) : null,
        (input.sign ?? (input.signingKey !== undefined || this.#defaults.sign)) ? 1 : 0,
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

  /**
   * TARGET_URL (with WEBHOOK_SECRET and WEBHOOK_SIGNING_KEY) becomes the `default` endpoint; without
   * it there is none
   */
  syncDefault(
    targetUrl: string | undefined,
    secret: string | undefined,
    now: number,
    signingKey?: string | undefined,
  ): void {
    if (targetUrl === undefined) {
      this.remove(DEFAULT_ENDPOINT_ID);
      return;
    }
    this.add({ url: targetUrl, secret, signingKey }, now, DEFAULT_ENDPOINT_ID);
  }

  /** the endpoints subscribed to an event type, as delivery targets */
  targetsFor(eventType: string, endpoints: readonly Endpoint[] = this.list()): DeliveryTarget[] {
    return endpoints
      .filter((endpoint) => endpoint.events === null || endpoint.events.includes(eventType))
      .map((endpoint) => {
        const signingKey = resolveSigningKey(endpoint.signingKey, endpoint.secret).key;
        return {
          endpointId: endpoint.id,
          url: endpoint.url,
          secret: endpoint.secret,
          secretHeader: endpoint.secretHeader,
          signingKey,
          sign: endpoint.sign && signingKey !== undefined,
        };
      });
  }
}
