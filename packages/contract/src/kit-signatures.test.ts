// the Go and Python kits of @omni-webhooks/schema verify what this package signs: each case is signed
// here (signWebhook, createSignatureHeaders), judged by verifyWebhookSignature / verifySecret, and
// both kits (one go test process, one python process) must give the same verdict
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { verifySecret } from './secret.js';
import {
  createSignatureHeaders,
  SIGNATURE_TOLERANCE_SECONDS,
  signWebhook,
  verifyWebhookSignature,
} from './signature.js';
import { generateSigningKey } from './signing-key.js';

const run = promisify(execFile);
const schemaRoot = dirname(createRequire(import.meta.url).resolve('@omni-webhooks/schema/package.json'));

interface SignatureCase {
  id: string;
  headers: Record<string, string[]>;
  body: string;
  keys: string[];
  now: number;
}
interface Report {
  runtime: string;
  signatures: { id: string; ok: boolean; error?: string }[];
  secrets: { id: string; ok: boolean }[];
}

const NOW = 1_767_000_000;
const body = JSON.stringify({ event: 'lead.created', data: { leadId: 'lead_1', firstName: 'Zoë' } });
const [key, oldKey, otherKey] = [generateSigningKey(), generateSigningKey(), generateSigningKey()];

function signed(overrides: { id?: string; timestamp?: number; body?: string; secret?: string } = {}) {
  const headers = createSignatureHeaders({
    secret: overrides.secret ?? key,
    body: overrides.body ?? body,
    id: overrides.id ?? 'msg_kit1',
    timestamp: overrides.timestamp ?? NOW,
  });
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]]));
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** other strings node's decoder reads as the genuine MAC: the unused low bits of its last character, no padding */
function respelledSignatures(): string[] {
  const genuine = signed()['webhook-signature']?.[0] ?? '';
  const mac = genuine.slice('v1,'.length, -1); // the 44 characters without their last, '='
  const last = BASE64[BASE64.indexOf(mac.at(-1) ?? '') ^ 1] ?? '';
  return [`v1,${mac.slice(0, -1)}${last}=`, `v1,${mac}`];
}

const rotated = signed({ secret: oldKey });
const signatureCases: SignatureCase[] = [
  { id: 'genuine', headers: signed(), body, keys: [key], now: NOW },
  {
    id: 'rotation: signed with the old key',
    headers: signed({ secret: oldKey }),
    body,
    keys: [key, oldKey],
    now: NOW,
  },
  {
    id: 'rotation: two signatures in one header',
    headers: {
      ...rotated,
      'webhook-signature': [
        `${signWebhook({ id: 'msg_kit1', timestamp: NOW, body, secret: otherKey })} ${rotated['webhook-signature']?.[0]}`,
      ],
    },
    body,
    keys: [oldKey],
    now: NOW,
  },
  {
    id: 'rotation: repeated headers',
    headers: { ...rotated, 'webhook-signature': ['v1,AAAA', ...(rotated['webhook-signature'] ?? [])] },
    body,
    keys: [oldKey],
    now: NOW,
  },
  {
    id: 'a plain (non-whsec) secret',
    headers: signed({ secret: 'plain secret' }),
    body,
    keys: ['plain secret'],
    now: NOW,
  },
  {
    id: 'just within the tolerance, old',
    headers: signed({ timestamp: NOW - SIGNATURE_TOLERANCE_SECONDS }),
    body,
    keys: [key],
    now: NOW,
  },
  {
    id: 'just within the tolerance, future',
    headers: signed({ timestamp: NOW + SIGNATURE_TOLERANCE_SECONDS }),
    body,
    keys: [key],
    now: NOW,
  },
  { id: 'tampered body', headers: signed(), body: body.replace('Zoë', 'Zoe'), keys: [key], now: NOW },
  { id: 'tampered id', headers: { ...signed(), 'webhook-id': ['msg_kit2'] }, body, keys: [key], now: NOW },
  {
    id: 'tampered timestamp',
    headers: { ...signed(), 'webhook-timestamp': [String(NOW + 1)] },
    body,
    keys: [key],
    now: NOW,
  },
  {
    id: 'stale',
    headers: signed({ timestamp: NOW - SIGNATURE_TOLERANCE_SECONDS - 1 }),
    body,
    keys: [key],
    now: NOW,
  },
  {
    id: 'future',
    headers: signed({ timestamp: NOW + SIGNATURE_TOLERANCE_SECONDS + 1 }),
    body,
    keys: [key],
    now: NOW,
  },
  { id: 'wrong key', headers: signed(), body, keys: [otherKey], now: NOW },
  { id: 'no key', headers: signed(), body, keys: [], now: NOW },
  {
    id: 'missing signature header',
    headers: { ...signed(), 'webhook-signature': [] },
    body,
    keys: [key],
    now: NOW,
  },
  {
    id: 'timestamp not unix seconds',
    headers: { ...signed(), 'webhook-timestamp': ['soon'] },
    body,
    keys: [key],
    now: NOW,
  },
  {
    id: 'unknown signature version',
    headers: {
      ...signed(),
      'webhook-signature': [signed()['webhook-signature']?.[0]?.replace('v1,', 'v2,') ?? ''],
    },
    body,
    keys: [key],
    now: NOW,
  },
  ...respelledSignatures().map((signature, index) => ({
    id: `the same MAC bytes spelled otherwise (${index + 1}): ${signature.slice(-6)}`,
    headers: { ...signed(), 'webhook-signature': [signature] },
    body,
    keys: [key],
    now: NOW,
  })),
];

const secretCases = [
  { id: 'equal', got: 's3cret', secrets: ['s3cret'] },
  { id: 'rotation', got: 'old', secrets: ['new', 'old'] },
  { id: 'different', got: 's3cret', secrets: ['s3cre7'] },
  { id: 'prefix', got: 's3c', secrets: ['s3cret'] },
  { id: 'empty never matches', got: '', secrets: [''] },
  { id: 'no secrets', got: 'x', secrets: [] },
];

async function runKit(language: 'go' | 'python'): Promise<Report> {
  const workDir = await mkdtemp(join(tmpdir(), `omni-contract-${language}-kit-`));
  try {
    const casesFile = join(workDir, 'cases.json');
    const reportFile = join(workDir, 'report.json');
    await writeFile(casesFile, JSON.stringify({ signatures: signatureCases, secrets: secretCases }));
    if (language === 'go') {
      await run('go', ['test', '-count=1', '-run', 'TestExportedCases', '.'], {
        cwd: join(schemaRoot, 'go'),
        env: { ...process.env, OMNI_KIT_CASES: casesFile, OMNI_KIT_REPORT: reportFile },
      });
      return JSON.parse(await readFile(reportFile, 'utf8')) as Report;
    }
    const { stdout } = await run('python3', [join(schemaRoot, 'scripts/check_python_kit.py'), casesFile]);
    return JSON.parse(stdout) as Report;
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

describe.each(['go', 'python'] as const)('the %s kit of @omni-webhooks/schema', async (language) => {
  const report = await runKit(language);

  it.each(signatureCases)('verifies a signature like verifyWebhookSignature: $id', (testCase) => {
    const expected = verifyWebhookSignature({
      headers: Object.fromEntries(
        Object.entries(testCase.headers).map(([name, values]) => [name, values.join(' ')]),
      ),
      body: testCase.body,
      secrets: testCase.keys,
      nowSeconds: testCase.now,
    });
    const verdict = report.signatures.find((result) => result.id === testCase.id);
    expect({ id: testCase.id, ok: verdict?.ok }).toEqual({ id: testCase.id, ok: expected.ok });
  });

  it('accepts the genuine, rotated and in-tolerance deliveries and refuses the rest', () => {
    const accepted = report.signatures.filter((result) => result.ok).map((result) => result.id);
    expect(accepted).toEqual(signatureCases.slice(0, 7).map((testCase) => testCase.id));
  });

  it.each(secretCases)('checks a secret like verifySecret: $id', (testCase) => {
    const verdict = report.secrets.find((result) => result.id === testCase.id);
    expect(verdict?.ok).toBe(verifySecret(testCase.got, testCase.secrets));
  });
});
