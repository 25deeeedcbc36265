import { afterEach, describe, expect, test } from 'vitest';
import { conformanceChecks } from './checks.js';
import type { TrafficSettings } from './run-context.js';
import { sustainedLoadCheck } from './sustained-load.js';
import { type Flaws, startTestReceiver, type TestReceiver } from './test-support/flawed-receiver.js';
import { type CheckResult, type VerifyOptions, verifyReceiver } from './verify-receiver.js';

const secret = 'contract-test-secret';
let receiver: TestReceiver | undefined;

afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

// the pause of OmniAI's retry, scaled down; fewer payloads than the default, the cover still complete
const quick: Partial<TrafficSettings> = { payloads: 50, redeliveryPauseMs: 150, seed: 7 };

async function verifyAgainst(flaws: Flaws, options: { timeoutMs?: number } & VerifyOptions = {}) {
  receiver = await startTestReceiver({ secret, flaws });
  const { timeoutMs, ...rest } = options;
  return verifyReceiver(
    { url: receiver.url, secret, timeoutMs: timeoutMs ?? 5000 },
    { ...rest, traffic: { ...quick, ...rest.traffic } },
  );
}

const failedNames = (results: CheckResult[]) =>
  results.filter((result) => result.status === 'fail').map((result) => result.name);
const resultNamed = (results: CheckResult[], prefix: string) =>
  results.find((result) => result.name.startsWith(prefix));

const BURST = 'answers a burst of distinct events sent at once';
const DUPLICATES = 'answers copies of one delivery arriving together';
const VARIETY =
  'answers varied payloads of every type (non-ASCII, absent, null, empty, long, near the limit, drift)';
const JOURNEYS = 'answers a lead journey in order and out of order';
const REDELIVERY = 'answers a redelivery after a pause';

describe('traffic checks against receivers with one flaw each', { timeout: 60_000 }, () => {
  test('a receiver that follows the contract passes every traffic check, with latencies', async () => {
    const report = await verifyAgainst({});
    expect(failedNames(report.results)).toEqual([]);
    for (const name of [BURST, DUPLICATES, VARIETY, JOURNEYS, REDELIVERY]) {
      const result = resultNamed(report.results, name);
      expect(result?.status).toBe('pass');
      expect(result?.latency?.count).toBeGreaterThan(0);
    }
    expect(resultNamed(report.results, BURST)?.latency?.count).toBe(32);
    expect(resultNamed(report.results, DUPLICATES)?.latency?.count).toBe(8);
    expect(report.seed).toBe(7);
  });

  // time-scaled by 0.1: 35 ms of work per event against a 500 ms timeout; 32 at once wait 1.1 s
  test('350 ms of serial work per event fails the burst only', async () => {
    const report = await verifyAgainst({ serialWorkMs: 35 }, { timeoutMs: 500 });
    expect(failedNames(report.results)).toEqual([BURST]);
    const burst = resultNamed(report.results, BURST);
    expect(burst?.reason).toMatch(/no answer within 500 ms/);
    expect(burst?.reason).toMatch(/of 32 not delivered/);
    expect(burst?.latency?.max).toBeGreaterThan(500);
  }, 60_000);

  test('check-then-insert dedupe with an await between fails the concurrent duplicates only', async () => {
    const report = await verifyAgainst({ checkThenInsert: true });
    expect(failedNames(report.results)).toEqual([DUPLICATES]);
    expect(resultNamed(report.results, DUPLICATES)?.reason).toMatch(
      /^copy \d of 4 .*answered 500, expected 200/,
    );
  });

  test('a latin-1 column (500 on any non-ASCII byte) fails the payload variety only, naming seed and traits', async () => {
    const report = await verifyAgainst({ latin1Column: true });
    expect(failedNames(report.results)).toEqual([VARIETY]);
    const reason = resultNamed(report.results, VARIETY)?.reason ?? '';
    expect(reason).toMatch(/^payload 1 of 50 \(--seed 7\), action_log\.completed \(non-ASCII \(diacritics\)/);
    expect(reason).toContain('answered 500, expected 200');
    // the first payload of the cover is already the smallest: one trait, the first type, seed 0
    expect(reason).toMatch(/; no smaller payload fails$/);
  });

  // time-scaled by 0.1: large bodies answered after 600 ms against a 500 ms timeout
  test('answering large bodies late fails the payload variety only, on the near-limit body', async () => {
    const report = await verifyAgainst(
      { lateForLargeBodies: { overBytes: 600 * 1024, afterMs: 600 } },
      { timeoutMs: 500 },
    );
    expect(failedNames(report.results)).toEqual([VARIETY]);
    const reason = resultNamed(report.results, VARIETY)?.reason ?? '';
    expect(reason).toContain('near the size limit (1047552 bytes of 1048576');
    expect(reason).toMatch(/no answer within 500 ms \(answered 200 after \d+ ms\)/);
    // payload 6 of the cover (a lead.updated), shrunk to the first type, its one trait kept
    expect(reason).toMatch(/^payload 6 of 50 \(--seed 7\), lead\.updated \(near the size limit/);
    expect(reason).toMatch(
      /; shrunk in \d+ steps to action_log\.completed \(near the size limit \(1047552 bytes/,
    );
  }, 60_000);

  test('refusing a lead.updated for a lead it has not seen fails the journey order only', async () => {
    const report = await verifyAgainst({ refusesUnseenLeadUpdates: true });
    expect(failedNames(report.results)).toEqual([JOURNEYS]);
    expect(resultNamed(report.results, JOURNEYS)?.reason).toBe(
      'out-of-order journey, lead.updated (1st of 6): answered 422, expected 200',
    );
  });

  test('a dedupe cache that forgets before the retry fails the redelivery only', async () => {
    const report = await verifyAgainst({ dedupeCacheMs: 50 });
    expect(failedNames(report.results)).toEqual([REDELIVERY]);
    expect(resultNamed(report.results, REDELIVERY)?.reason).toBe(
      'redelivery after 150 ms: answered 500, expected 200',
    );
  });
});

describe('sustained load', () => {
  const sustained = { checks: [sustainedLoadCheck()] };

  test('is off unless --rate and --duration are given', async () => {
    const report = await verifyAgainst({}, sustained);
    expect(report.results[0]).toMatchObject({ status: 'skip' });
  });

  test('passes a receiver that keeps up, with a latency histogram', async () => {
    const report = await verifyAgainst({}, { ...sustained, traffic: { rate: 40, durationS: 0.5 } });
    const [result] = report.results;
    expect(result).toMatchObject({ status: 'pass', latency: { count: 20 } });
    expect(result?.histogram?.reduce((sum, bucket) => sum + bucket.count, 0)).toBe(20);
  });

  test('fails a receiver that slows as it stores, though a single request is quick', async () => {
    const report = await verifyAgainst(
      { slowsPerStoredEventMs: 10 },
      { ...sustained, timeoutMs: 200, traffic: { rate: 100, durationS: 0.5 } },
    );
    expect(report.results[0]?.status).toBe('fail');
    expect(report.results[0]?.reason).toMatch(/no answer within 200 ms/);
  });

  test('never holds more than maxInFlight requests open: the rest count as not sent', async () => {
    const report = await verifyAgainst(
      { serialWorkMs: 50 },
      { ...sustained, traffic: { rate: 200, durationS: 0.25, maxInFlight: 3 } },
    );
    expect(report.results[0]?.reason).toMatch(/^\d+ of 50 requests not sent: 3 were still open/);
    expect(receiver?.requests.length).toBeLessThan(50);
  });
});

describe('the deadline', { timeout: 30_000 }, () => {
  test('stops the run, reports what ran and fails', async () => {
    const report = await verifyAgainst({ serialWorkMs: 40 }, { deadlineMs: 400 });
    const last = report.results.at(-1);
    expect(last).toMatchObject({ name: 'finishes within the deadline', status: 'fail' });
    expect(report.notRun?.length).toBeGreaterThan(0);
    expect(last?.reason).toContain(`${report.notRun?.length} check(s) not run`);
    // every check either ran or is listed as not run, and the deadline's own failure is added
    expect(report.results.length + (report.notRun?.length ?? 0)).toBe(conformanceChecks().length + 1);
  });
});
