import { describe, expect, test } from 'vitest';
import { toJUnitXml } from './junit.js';
import type { VerificationReport } from './verify-receiver.js';

const report: VerificationReport = {
  url: 'http://127.0.0.1:3000/webhooks/omniai',
  passed: 1,
  failed: 1,
  skipped: 1,
  durationMs: 1234,
  results: [
    { name: 'delivers lead.created', status: 'pass', durationMs: 12, httpStatus: 200 },
    {
      name: 'refuses a delivery with a wrong secret',
      status: 'fail',
      durationMs: 3,
      httpStatus: 200,
      reason: 'answered 200, expected 401 or 403: the request was accepted <&>"\u0001',
    },
    {
      name: 'refuses a replayed delivery',
      status: 'skip',
      durationMs: 0,
      reason: 'signatures not enabled (--sign)',
    },
  ],
};

describe('toJUnitXml', () => {
  const xml = toJUnitXml(report);

  test('counts tests, failures and skips on the suite', () => {
    expect(xml).toContain(
      '<testsuite name="omni-contract verify" tests="3" failures="1" skipped="1" errors="0" time="1.234">',
    );
  });

  test('writes one testcase per check, with failure and skipped elements', () => {
    expect(xml.match(/<testcase /g)).toHaveLength(3);
    expect(xml).toContain('name="delivers lead.created" time="0.012"/>');
    expect(xml).toContain(
      '<failure message="answered 200, expected 401 or 403: the request was accepted &lt;&amp;&gt;&quot;"',
    );
    expect(xml).toContain('<skipped message="signatures not enabled (--sign)"/>');
  });

  test('escapes markup and drops characters xml cannot carry', () => {
    expect(xml).not.toContain('\u0001');
    expect(xml).not.toMatch(/accepted <&>/);
  });
});
