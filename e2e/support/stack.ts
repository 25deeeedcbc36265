import type { DeliveryView } from '@omni-webhooks/mock-sender';
import type { ListedEvent, ListedEventPage } from '@omni-webhooks/receiver';
import { ServiceProcess } from './service-process.js';

export const ADMIN_TOKEN = 'e2e-admin-token-0123456789';
export const WEBHOOK_PATH = '/webhooks/omniai';
/** the sender's SENDER_API_TOKEN in every e2e run: its API is used as staging uses it */
export const SENDER_API_TOKEN = 'e2e-sender-token-0123456789';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

export interface ReceiverOptions {
  dir: string;
  secret: string;
  port?: number;
  env?: Record<string, string>;
}

/** the real receiver, on its own SQLite file in `dir` unless `env.DATABASE_URL` says otherwise */
export function startReceiver(options: ReceiverOptions): Promise<ServiceProcess> {
  return ServiceProcess.start({
    name: 'receiver',
    ...(options.port === undefined ? {} : { port: options.port }),
    env: {
      WEBHOOK_SECRET: options.secret,
      ADMIN_TOKEN,
      DATABASE_URL: `file:${options.dir}/receiver.sqlite`,
      LOG_LEVEL: 'warn',
      ...options.env,
    },
  });
}

export interface SenderOptions {
  dir: string;
  targetUrl: string;
  secret: string;
  /** multiplies the 1/2/4-minute retry waits */
  timeScale: number;
  env?: Record<string, string>;
}

export function startSender(options: SenderOptions): Promise<ServiceProcess> {
  return ServiceProcess.start({
    name: 'sender',
    env: {
      TARGET_URL: options.targetUrl,
      WEBHOOK_SECRET: options.secret,
      SENDER_API_TOKEN,
      RETRY_TIME_SCALE: String(options.timeScale),
      DATABASE_URL: `file:${options.dir}/sender.sqlite`,
      LOG_LEVEL: 'warn',
      ...options.env,
    },
  });
}

async function json<T>(response: Response): Promise<T> {
  if (!response.ok) {
    throw new Error(`${response.url} answered ${response.status}: ${await response.text()}`);
  }
  return (await response.json()) as T;
}

/** the 202 of POST /events: each event's id and type (its payload only with ?include=payload) */
export interface PostedEvents {
  events: { id: string; event: string; payload?: unknown }[];
  deliveries: { id: string; endpointId: string; url: string; state: string }[];
}

export async function postEvents(
  sender: ServiceProcess,
  body: Record<string, unknown>,
  token = SENDER_API_TOKEN,
): Promise<PostedEvents> {
  return json(
    await fetch(`${sender.url}/events`, {
      method: 'POST',
      headers: { ...bearer(token), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }),
  );
}

export async function getDelivery(
  sender: ServiceProcess,
  id: string,
  token = SENDER_API_TOKEN,
): Promise<DeliveryView> {
  return json(await fetch(`${sender.url}/deliveries/${id}`, { headers: bearer(token) }));
}

/** every delivery of the sender, following the cursor */
export async function allDeliveries(
  sender: ServiceProcess,
  token = SENDER_API_TOKEN,
): Promise<DeliveryView[]> {
  const deliveries: DeliveryView[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const page: { deliveries: DeliveryView[]; nextCursor: string | null } = await json(
      await fetch(`${sender.url}/deliveries?limit=10000${query}`, { headers: bearer(token) }),
    );
    deliveries.push(...page.deliveries);
    cursor = page.nextCursor;
  } while (cursor);
  return deliveries;
}

/** every event the receiver stored, through its admin API (without payloads) */
export async function storedEvents(
  receiver: ServiceProcess,
  adminToken = ADMIN_TOKEN,
): Promise<ListedEvent[]> {
  const events: ListedEvent[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const page: ListedEventPage = await json(
      await fetch(`${receiver.url}/events?limit=10000${query}`, {
        headers: { authorization: `Bearer ${adminToken}` },
      }),
    );
    events.push(...page.events);
    cursor = page.nextCursor;
  } while (cursor);
  return events;
}

/** polls until `probe` returns something other than undefined */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) {
        return value;
      }
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/** resolves once every delivery has settled (succeeded or failed) */
export function settledDeliveries(sender: ServiceProcess, expected: number, timeoutMs = 60_000) {
  return waitFor(
    `${expected} settled deliveries`,
    async () => {
      const deliveries = await allDeliveries(sender);
      const settled = deliveries.filter((d) => d.state === 'succeeded' || d.state === 'failed');
      return deliveries.length === expected && settled.length === expected ? deliveries : undefined;
    },
    timeoutMs,
  );
}
