import { afterEach, describe, expect, test } from 'vitest';
import { type Flaws, startTestReceiver, type TestReceiver } from './test-support/flawed-receiver.js';
import { type CheckResult, verifyReceiver } from './verify-receiver.js';

const secret = 'contract-test-secret';
let receiver: TestReceiver | undefined;

afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

async function verifyAgainst(flaws: Flaws, options: { sign?: boolean; timeoutMs?: number } = {}) {
  receiver = await startTestReceiver({ secret, flaws, sign: !!options.sign });
  return verifyReceiver(
    { url: receiver.url, secret, sign: !!options.sign, timeoutMs: options.timeoutMs ?? 5000 },
    { traffic: quick },
  );
}

// fewer payloads and a scaled-down redelivery pause: these tests are about the single-request checks
const quick = { payloads: 10, redeliveryPauseMs: 50 };

const failedNames = (results: CheckResult[]) =>
  results.filter((result) => result.status === 'fail').map((result) => result.name);
const skippedNames = (results: CheckResult[]) =>
  results.filter((result) => result.status === 'skip').map((result) => result.name);
const SUSTAINED = 'keeps up with a sustained rate of deliveries';
const signingKey = 'whsec_Y29udHJhY3QtdGVzdC1zaWduaW5nLWtleS0wMTIz';

describe('verifyReceiver', () => {
  test('passes a receiver that follows the contract', async () => {
    const report = await verifyAgainst({});
    expect(failedNames(report.results)).toEqual([]);
    expect(report.passed).toBeGreaterThanOrEqual(20);
    expect(skippedNames(report.results)).toEqual([
      'refuses a replayed delivery (signature timestamp outside the tolerance)',
      'refuses a delivery whose signature does not match its body',
      'refuses a delivery without a signature (no secret header either)',
      SUSTAINED,
    ]);
  });

  test('passes a signing receiver, replay check included, redelivering with the same message id', async () => {
    const report = await verifyAgainst({}, { sign: true });
    expect(report.failed).toBe(0);
    expect(skippedNames(report.results)).toEqual([
      'refuses a delivery without a signature (no secret header either)',
      SUSTAINED,
    ]);
    // a duplicate and a redelivery are one message delivered twice; concurrent copies one message 8 times
    const copies = new Map<string, number>();
    for (const headers of receiver?.requests ?? []) {
      const id = headers['webhook-id'];
      if (typeof id === 'string') copies.set(id, (copies.get(id) ?? 0) + 1);
    }
    expect([...copies.values()].filter((count) => count === 2)).toHaveLength(2);
    expect([...copies.values()].filter((count) => count === 8)).toHaveLength(1);
    expect([...copies.keys()].every((id) => id.startsWith('msg_'))).toBe(true);
  });

  test('checks a receiver that takes signatures alone: no secret header, every signature check run', async () => {
    receiver = await startTestReceiver({ sign: true, signingKey });
    const report = await verifyReceiver(
      { url: receiver.url, sign: true, signingKey, strict: true },
      { traffic: quick },
    );
    expect(failedNames(report.results)).toEqual([]);
    expect(skippedNames(report.results)).toEqual([
      'refuses a delivery without the secret',
      'refuses a delivery with a wrong secret',
      'refuses a delivery with a prefix of the secret',
      SUSTAINED,
    ]);
    expect(receiver.requests.every((headers) => headers['x-webhook-secret'] === undefined)).toBe(true);
  });

  test('fails a signature-only receiver that lets an unsigned delivery in', async () => {
    receiver = await startTestReceiver({ sign: true, signingKey, flaws: { acceptsUnsigned: true } });
    const report = await verifyReceiver({ url: receiver.url, sign: true, signingKey }, { traffic: quick });
    expect(failedNames(report.results)).toEqual([
      'refuses a delivery without a signature (no secret header either)',
    ]);
  });

  test('fails a receiver that refuses what a newer OmniAI sends', async () => {
    const report = await verifyAgainst({ refusesDrift: true });
    expect(failedNames(report.results)).toEqual([
      'accepts an event type it does not know (newer OmniAI)',
      'accepts fields added by a newer OmniAI',
      'accepts enum values added by a newer OmniAI',
      // its drift payloads (a field, an enum value a newer omniai adds) are refused the same way
      'answers varied payloads of every type (non-ASCII, absent, null, empty, long, near the limit, drift)',
    ]);
  });

  test('fails a receiver that accepts any secret', async () => {
    const report = await verifyAgainst({ acceptsAnySecret: true });
    expect(failedNames(report.results)).toEqual([
      'refuses a delivery without the secret',
      'refuses a delivery with a wrong secret',
      'refuses a delivery with a prefix of the secret',
    ]);
    const wrong = report.results.find((result) => result.name === 'refuses a delivery with a wrong secret');
    expect(wrong?.reason).toBe('answered 200, expected 401 or 403: the request was accepted');
  });

  test('fails a receiver that answers 202, explaining the duplicate deliveries', async () => {
    const report = await verifyAgainst({ answersStatus: 202 });
    const deliveries = report.results.filter((result) => result.name.startsWith('delivers '));
    expect(deliveries.length).toBeGreaterThanOrEqual(7);
    for (const result of deliveries) {
      expect(result).toMatchObject({ status: 'fail', httpStatus: 202 });
      expect(result.reason).toContain('OmniAI counts only 200 as delivered');
    }
    expect(failedNames(report.results)).toContain('answers 200 to a duplicate delivery');
  });

  test('fails a receiver slower than the timeout (time-scaled: 6 s against 5 s)', async () => {
    const scale = 0.04;
    const report = await verifyAgainst({ answersAfterMs: 6000 * scale }, { timeoutMs: 5000 * scale });
    const deliveries = report.results.filter((result) => result.name.startsWith('delivers '));
    for (const result of deliveries) {
      expect(result).toMatchObject({ status: 'fail', reason: 'no answer within 200 ms' });
    }
    expect(report.failed).toBe(report.results.length - report.skipped);
  }, 20_000);

  test('fails a receiver that accepts schema-invalid events', async () => {
    const report = await verifyAgainst({ acceptsSchemaInvalid: true });
    expect(failedNames(report.results)).toEqual(['refuses a known event that fails the schema']);
  });

  test('reports an unreachable receiver as failed checks, not a crash', async () => {
    receiver = await startTestReceiver({ secret });
    const { url } = receiver;
    await receiver.close();
    receiver = undefined;
    const report = await verifyReceiver({ url, secret, timeoutMs: 1000 }, { traffic: quick });
    expect(report.passed).toBe(0);
    expect(report.results[0]?.reason).toMatch(/fetch failed/);
  });
});
