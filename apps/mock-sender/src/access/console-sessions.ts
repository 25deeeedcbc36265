import { randomBytes } from 'node:crypto';
import { equalInConstantTime } from '@omni-webhooks/contract';
import { LRUCache } from 'lru-cache';

export const SESSION_COOKIE = 'omni_mock_session';
/** a session lasts this long after sign-in, however active */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
/** sessions kept at most: the oldest unused goes first */
export const MAX_SESSIONS = 1000;

export interface ConsoleSession {
  /** for logs: says which session acted without being the cookie that proves it */
  label: string;
  /** which SENDER_API_TOKEN signed in (`token#2`) */
  tokenLabel: string;
  /** the value every state-changing request of this session repeats in `x-csrf-token` */
  csrfToken: string;
}

const randomId = (bytes: number): string => randomBytes(bytes).toString('base64url');

/**
 * Console sign-ins, server side. The cookie holds a random session id, never the API token: the token
 * stays out of the browser after sign-in, sign-out really ends the session here (a signed cookie would
 * stay valid until it expires), and a restart (for example to rotate SENDER_API_TOKEN) ends them all.
 * Memory is bounded by MAX_SESSIONS.
 */
export class ConsoleSessions {
  readonly #sessions: LRUCache<string, ConsoleSession>;

  constructor(options: { ttlMs?: number; max?: number } = {}) {
    this.#sessions = new LRUCache({ max: options.max ?? MAX_SESSIONS, ttl: options.ttlMs ?? SESSION_TTL_MS });
  }

  get size(): number {
    return this.#sessions.size;
  }

  /** a new session for the token labelled `tokenLabel`; answers the cookie value and the session */
  start(tokenLabel: string): { id: string; session: ConsoleSession } {
    const id = randomId(32);
    const session = { label: `console:${randomId(6)}`, tokenLabel, csrfToken: randomId(32) };
    this.#sessions.set(id, session);
    return { id, session };
  }

  get(id: string | undefined): ConsoleSession | undefined {
    return id ? this.#sessions.get(id) : undefined;
  }

  end(id: string | undefined): ConsoleSession | undefined {
    const session = this.get(id);
    if (id && session) {
      this.#sessions.delete(id);
    }
    return session;
  }
}

/** constant-time check of a request's `x-csrf-token` against its session's */
export function csrfTokenMatches(session: ConsoleSession, presented: string): boolean {
  const expected = Buffer.from(session.csrfToken);
  const given = Buffer.from(presented);
  return equalInConstantTime(expected, given);
}
