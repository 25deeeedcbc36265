import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { canonicalJson } from '@omni-webhooks/receiver';
import { builtInScenario, createScenarioPlan, type PlannedDelivery } from '@omni-webhooks/schema/fixtures';
import { describe, expect, test } from 'vitest';
import { startReceiver, storedEvents, WEBHOOK_PATH } from './support/stack.js';
import { useServices } from './support/use-services.js';

const senderCli = fileURLToPath(new URL('../apps/mock-sender/dist/cli.js', import.meta.url));
const secret = 'e2e-scenario-secret';
const signingKey = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const { track, tempDir } = useServices();

const KNOBS = { leads: 50, duplicates: 0.1, speed: 1_000_000, seed: 9 };

async function omniMock(args: string[]) {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [senderCli, ...args], {
      env: { PATH: process.env.PATH ?? '' },
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** the receiver's dedupe key of a delivery: its webhook-id when signed, else the canonical body's hash */
function dedupeKey(delivery: PlannedDelivery, signed: boolean): string {
  if (signed) return `webhook-id:${delivery.webhookId}`;
  return `sha256:${createHash('sha256')
    .update(canonicalJson(JSON.parse(delivery.body)), 'utf8')
    .digest('hex')}`;
}

describe.each([
  ['unsigned', false],
  ['signed', true],
])('omni-mock scenario lead-journey against the real receiver (%s)', (_, signed) => {
  test('every event stored once, each duplicate counted on its row, nothing lost', async () => {
    const dir = await tempDir();
    const receiver = await track(
      startReceiver({
        dir,
        secret,
        env: signed ? { SIGNATURE_MODE: 'required', WEBHOOK_SIGNING_KEYS: signingKey } : {},
      }),
    );
    const startAt = new Date().toISOString();
    const knobFlags = Object.entries(KNOBS).flatMap(([name, value]) => [`--${name}`, String(value)]);
    const { code, stdout, stderr } = await omniMock([
      'scenario',
      'lead-journey',
      '--url',
      `${receiver.url}${WEBHOOK_PATH}`,
      ...(signed ? ['--sign', '--signing-key', signingKey] : ['--secret', secret]),
      ...knobFlags,
      '--start-at',
      startAt,
      '--time-scale',
      '0.01',
      '--json',
    ]);
    expect(code, stderr).toBe(0);

    // the same plan the command played: same scenario, knobs, seed and start
    const plan = createScenarioPlan(builtInScenario('lead-journey'), {
      ...KNOBS,
      startAtMs: Date.parse(startAt),
    });
    expect(plan.duplicates).toBeGreaterThan(0);
    const summary = JSON.parse(stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({
      journeys: KNOBS.leads,
      planned: plan.deliveries.length,
      deliveries: plan.deliveries.length,
      firstAttemptSuccesses: plan.deliveries.length,
      failed: 0,
      duplicates: plan.duplicates,
    });

    const expected = new Map<string, number>();
    for (const delivery of plan.deliveries) {
      const key = dedupeKey(delivery, signed);
      expected.set(key, (expected.get(key) ?? 0) + 1);
    }
    expect(expected.size).toBe(plan.originals);
    const stored = await storedEvents(receiver);
    expect(stored).toHaveLength(plan.originals);
    expect(stored.filter((event) => event.status === 'rejected' || event.status === 'ignored')).toEqual([]);
    expect(new Map(stored.map((event) => [event.dedupeKey, event.deliveryCount]))).toEqual(expected);
    expect(stored.reduce((sum, event) => sum + event.deliveryCount, 0)).toBe(plan.deliveries.length);
  });
});
