import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runVerify as verify } from './support/contract-cli.js';
import { startReceiver, WEBHOOK_PATH } from './support/stack.js';
import { useServices } from './support/use-services.js';

const secret = 'e2e-verify-secret';
const signingKey = 'whsec_ZTJlLXZlcmlmeS1zaWduaW5nLWtleS0wMTIz';
const { track, tempDir } = useServices();

describe('omni-contract verify against the project receiver', () => {
  test('passes in strict mode and writes JUnit XML', async () => {
    const dir = await tempDir();
    const receiver = await track(startReceiver({ dir, secret }));
    const junit = join(dir, 'contract.xml');

    const { code, output } = await verify(
      ['--url', `${receiver.url}${WEBHOOK_PATH}`, '--strict', '--junit', junit],
      {
        WEBHOOK_SECRET: secret,
      },
    );

    // the three signature checks (no --sign) and the sustained load (no --rate) are skipped
    expect(output).toMatch(/^\d+ passed, 0 failed, 4 skipped in \d+ ms$/m);
    expect(code).toBe(0);
    const xml = await readFile(junit, 'utf8');
    expect(xml).toContain('failures="0"');
    expect(xml.match(/<testcase /g)?.length).toBeGreaterThanOrEqual(20);
  });

  test('the whole default run, traffic checks included, passes within a 60 s deadline, a latency line per traffic check', async () => {
    const dir = await tempDir();
    const receiver = await track(startReceiver({ dir, secret }));
    const junit = join(dir, 'contract.xml');

    const { code, output } = await verify(
      ['--url', `${receiver.url}${WEBHOOK_PATH}`, '--deadline-s', '60', '--junit', junit],
      { WEBHOOK_SECRET: secret },
    );

    expect(output).toMatch(/^\d+ passed, 0 failed, 4 skipped in \d+ ms$/m);
    expect(output).toMatch(/^seed \d+ \(replay the payloads with --seed \d+\)$/m);
    for (const check of [
      'answers a burst of distinct events sent at once',
      'answers copies of one delivery arriving together',
      'answers varied payloads of every type',
      'answers a lead journey in order and out of order',
      'answers a redelivery after a pause',
    ]) {
      const lines = output.split('\n');
      const at = lines.findIndex((line) => line.includes(check));
      expect(lines[at]).toMatch(/^PASS /);
      expect(lines[at + 1]).toMatch(
        /^ +latency p50 \d+ ms {2}p95 \d+ ms {2}p99 \d+ ms {2}max \d+ ms {2}\(\d+ requests\)$/,
      );
    }
    expect(output).toContain('(32 requests)');
    expect(output).not.toContain(secret);
    expect(code).toBe(0);
    const xml = await readFile(junit, 'utf8');
    expect(xml).toContain('<property name="latency.p99.ms"');
    expect(xml).toMatch(/<property name="seed" value="\d+"\/>/);
  });

  test('--path-token passes against the receiver deployed with WEBHOOK_PATH_TOKEN and no secret', async () => {
    const dir = await tempDir();
    const pathToken = 'e2e-path-token-0123456789abcdefghijkl';
    const receiver = await track(
      startReceiver({ dir, secret: '', env: { WEBHOOK_PATH_TOKEN: pathToken, WEBHOOK_SECRET: '' } }),
    );

    const { code, output } = await verify(
      [
        '--url',
        `${receiver.url}${WEBHOOK_PATH}`,
        '--path-token',
        '--strict',
        '--payloads',
        '20',
        '--burst',
        '8',
      ],
      { WEBHOOK_PATH_TOKEN: pathToken },
    );

    expect(output).toMatch(
      /^omni-contract verify http:\/\/127\.0\.0\.1:\d+\/webhooks\/omniai\/<path-token>$/m,
    );
    expect(output).toMatch(/^\d+ passed, 0 failed, \d+ skipped in \d+ ms$/m);
    expect(output).not.toContain(pathToken);
    expect(code).toBe(0);
    // the refusals were made: a wrong and a missing token, each answered 401 by the real receiver
    expect(output).toMatch(/^PASS .*refuses a delivery with a wrong path token/m);
    expect(output).toMatch(/^PASS .*refuses a delivery without the path token/m);
  });

  test('--json prints the whole report, the same seed sending the same payloads', async () => {
    const dir = await tempDir();
    const receiver = await track(startReceiver({ dir, secret }));

    const { code, output } = await verify(
      [
        '--url',
        `${receiver.url}${WEBHOOK_PATH}`,
        '--json',
        '--seed',
        '42',
        '--payloads',
        '20',
        '--burst',
        '8',
        '--no-redelivery',
        '--rate',
        '20',
        '--duration',
        '1',
      ],
      { WEBHOOK_SECRET: secret },
    );

    const report = JSON.parse(output.slice(output.indexOf('{'))) as {
      seed: number;
      failed: number;
      results: { name: string; status: string; latency?: { count: number }; histogram?: unknown[] }[];
    };
    expect(report).toMatchObject({ seed: 42, failed: 0 });
    const named = (prefix: string) => report.results.find((result) => result.name.startsWith(prefix));
    expect(named('answers a burst')?.latency?.count).toBe(8);
    expect(named('answers a redelivery')?.status).toBe('skip');
    expect(named('keeps up with a sustained rate')).toMatchObject({ status: 'pass', latency: { count: 20 } });
    expect(named('keeps up with a sustained rate')?.histogram?.length).toBeGreaterThan(0);
    expect(code).toBe(0);
  });

  test('passes a signing receiver with --sign and a signing key apart from the secret, replay check included', async () => {
    const dir = await tempDir();
    const receiver = await track(
      startReceiver({ dir, secret, env: { WEBHOOK_SIGNING_KEYS: signingKey, SIGNATURE_MODE: 'required' } }),
    );

    const { code, output } = await verify(
      // fewer payloads: the variety is the default run's; here the signatures and their webhook-ids matter
      ['--url', `${receiver.url}${WEBHOOK_PATH}`, '--secret', secret, '--sign', '--payloads', '50'],
      { WEBHOOK_SIGNING_KEY: signingKey },
    );

    expect(output).toMatch(/^\d+ passed, 0 failed, 2 skipped in \d+ ms$/m);
    expect(code).toBe(0);
  });

  test('checks a receiver that takes signatures alone (--no-auth --sign): no secret header, signature checks run', async () => {
    const dir = await tempDir();
    const receiver = await track(
      startReceiver({ dir, secret, env: { WEBHOOK_SIGNING_KEYS: signingKey, SIGNATURE_MODE: 'required' } }),
    );

    const { code, output } = await verify(
      [
        '--url',
        `${receiver.url}${WEBHOOK_PATH}`,
        '--no-auth',
        '--sign',
        '--signing-key',
        signingKey,
        '--strict',
        '--payloads',
        '50',
      ],
      { WEBHOOK_SECRET: secret },
    );

    expect(output).toMatch(/^\d+ passed, 0 failed, 4 skipped in \d+ ms$/m);
    for (const check of [
      'refuses a replayed delivery (signature timestamp outside the tolerance)',
      'refuses a delivery whose signature does not match its body',
      'refuses a delivery without a signature (no secret header either)',
    ]) {
      expect(output.split('\n').find((line) => line.endsWith(check))).toMatch(/^PASS .* 401 /);
    }
    expect(output).toMatch(/^SKIP .*refuses a delivery without the secret/m);
    expect(code).toBe(0);
  });

  test('--sign without a signing key exits 2 naming the option', async () => {
    const { code, output } = await verify([
      '--url',
      `http://127.0.0.1:9${WEBHOOK_PATH}`,
      '--secret',
      secret,
      '--sign',
    ]);

    expect(code).toBe(2);
    expect(output).toContain('--sign needs a signing key: give --signing-key or set WEBHOOK_SIGNING_KEY');
  });

  test('--sign refuses a whsec_ secret whose key is not a valid signing key (exit 2, never echoing it)', async () => {
    const shortKeySecret = 'whsec_c2hvcnQta2V5LTA5';
    const { code, output } = await verify(['--url', `http://127.0.0.1:9${WEBHOOK_PATH}`, '--sign'], {
      WEBHOOK_SECRET: shortKeySecret,
    });

    expect(code).toBe(2);
    expect(output).toContain('--sign with the whsec_ secret (--secret / WEBHOOK_SECRET) as the signing key');
    expect(output).toContain('at least 16 bytes');
    expect(output).not.toContain(shortKeySecret);
  });

  test('fails, with exit code 1, when the secret is wrong', async () => {
    const dir = await tempDir();
    const receiver = await track(startReceiver({ dir, secret }));

    const { code, output } = await verify(['--url', `${receiver.url}${WEBHOOK_PATH}`, '--secret', 'wrong']);

    expect(code).toBe(1);
    expect(output).toContain('FAIL');
    expect(output).toContain('answered 401, expected 200');
  });

  test('refuses to run without a secret unless told the receiver takes none', async () => {
    const { code, output } = await verify(['--url', `http://127.0.0.1:9${WEBHOOK_PATH}`]);

    expect(code).toBe(2);
    expect(output).toContain('no secret: give --secret or set WEBHOOK_SECRET');
  });
});
