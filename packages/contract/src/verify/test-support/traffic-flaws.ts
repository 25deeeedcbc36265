import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

// receivers written outside the project, each with one flaw only real traffic shows: the suite's
// traffic checks must catch each one, and only the check meant for it

export interface TrafficFlaws {
  /** this much work per event, one event at a time (a single worker, no queue limit) */
  serialWorkMs?: number;
  /** dedupes by check-then-insert with an await between: copies arriving together hit the unique key (500) */
  checkThenInsert?: boolean;
  /** stores text in a latin-1 column: a body holding any non-ascii byte is a 500 */
  latin1Column?: boolean;
  /** answers 200, but only after `afterMs`, to bodies over `overBytes` */
  lateForLargeBodies?: { overBytes: number; afterMs: number };
  /** refuses (422) a lead.updated for a lead no lead.created announced */
  refusesUnseenLeadUpdates?: boolean;
  /** dedupes from a cache that forgets after this long: a later redelivery hits the unique key (500) */
  dedupeCacheMs?: number;
  /** every stored event makes later answers this much slower (an unindexed lookup) */
  slowsPerStoredEventMs?: number;
}

const UNIQUE_VIOLATION = 500;

function dedupeKey(body: string, headers: IncomingMessage['headers']): string {
  const id = headers['webhook-id'];
  return typeof id === 'string' ? id : createHash('sha256').update(body).digest('hex');
}

function leadUpdateOf(body: string): { event?: string; leadId?: string } {
  const parsed = JSON.parse(body) as { event?: string; data?: { leadId?: string } };
  return {
    ...(parsed.event ? { event: parsed.event } : {}),
    ...(parsed.data?.leadId ? { leadId: parsed.data.leadId } : {}),
  };
}

/** what the flawed receiver answers an authenticated, schema-valid event: 200 unless a flaw bites */
export function createTrafficBehaviour(flaws: TrafficFlaws) {
  const stored = new Set<string>();
  const cachedAt = new Map<string, number>();
  const seenLeads = new Set<string>();
  let worker: Promise<unknown> = Promise.resolve();

  return async (body: string, headers: IncomingMessage['headers']): Promise<number> => {
    if (flaws.serialWorkMs) {
      const turn = worker.then(() => sleep(flaws.serialWorkMs));
      worker = turn;
      await turn;
    }
    if (flaws.latin1Column && Buffer.byteLength(body) !== body.length) return 500;
    if (flaws.lateForLargeBodies && Buffer.byteLength(body) > flaws.lateForLargeBodies.overBytes) {
      await sleep(flaws.lateForLargeBodies.afterMs);
    }
    if (flaws.slowsPerStoredEventMs) await sleep(stored.size * flaws.slowsPerStoredEventMs);
    const { event, leadId } = leadUpdateOf(body);
    if (flaws.refusesUnseenLeadUpdates && event === 'lead.updated' && !(leadId && seenLeads.has(leadId))) {
      return 422;
    }
    if (event === 'lead.created' && leadId) seenLeads.add(leadId);
    const key = dedupeKey(body, headers);
    if (flaws.dedupeCacheMs !== undefined) {
      const at = cachedAt.get(key);
      if (at !== undefined && performance.now() - at <= flaws.dedupeCacheMs) return 200;
      if (stored.has(key)) return UNIQUE_VIOLATION;
      cachedAt.set(key, performance.now());
    }
    if (flaws.checkThenInsert) {
      if (stored.has(key)) return 200;
      await sleep(2);
      if (stored.has(key)) return UNIQUE_VIOLATION;
    }
    stored.add(key);
    return 200;
  };
}
