// GET /events/stream reads the inbox in its store order: a position names the last event a subscriber
// has, and a page after it holds nothing it has seen, and misses nothing stored before it

/** a stored event as the stream sends it */
export interface FedEvent {
  /** opaque, resumable: the SSE id (`Last-Event-ID`) */
  position: string;
  id: string;
  type: string;
  status: string;
  receivedAt: string;
  /** the body exactly as received */
  payload: string;
  /** the delivery's headers, credentials left out; null for rows stored before they were kept */
  headers: Record<string, string> | null;
}

export interface FeedOptions {
  /** a position, or undefined for the start of the inbox */
  after?: string;
  limit: number;
}

export interface InboxFeed {
  /** events stored after `after`, in store order; a page never holds a row that could still be overtaken */
  feedEvents(options: FeedOptions): Promise<FedEvent[]>;
  /**
   * where to start to get `event` and what follows (an event id: what follows it only); the end of
   * the inbox for `now`. undefined for an unknown id
   */
  feedPosition(from: { afterEvent: string } | { receivedSince: Date } | 'now'): Promise<string | undefined>;
}

export class InvalidPositionError extends Error {
  constructor() {
    super('invalid stream position');
    this.name = 'InvalidPositionError';
  }
}

/** a feed position: the row's seq, and on postgres its inserting transaction */
export interface FeedPoint {
  xid: string;
  seq: number;
}

export function encodeFeedPosition(point: FeedPoint): string {
  return Buffer.from(`f:${point.xid}:${point.seq}`, 'utf8').toString('base64url');
}

export function decodeFeedPosition(position: string): FeedPoint {
  const match = /^f:(\d{1,20}):(-?\d{1,19})$/.exec(Buffer.from(position, 'base64url').toString('utf8'));
  if (!match?.[1] || !match[2]) throw new InvalidPositionError();
  return { xid: match[1], seq: Number(match[2]) };
}

/** the stored header json, or null */
export function parseStoredHeaders(text: string | null): Record<string, string> | null {
  if (text === null) return null;
  try {
    return JSON.parse(text) as Record<string, string>;
  } catch {
    return null;
  }
}
