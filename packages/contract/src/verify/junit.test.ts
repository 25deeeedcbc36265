import { describe, expect, test } from 'vitest';
import { toJUnitXml } from './junit.js';
import { formatResult } from './report-line.js';
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

describe('traffic checks in the report', () => {
  const latency = { count: 32, p50: 12, p95: 40, p99: 51, max: 52 };
  const traffic: VerificationReport = {
    ...report,
    seed: 1234,
    results: [
      { name: 'answers a burst of distinct events sent at once', status: 'pass', durationMs: 60, latency },
    ],
  };

  test('JUnit carries the latency as testcase properties and the seed on the suite', () => {
    const xml = toJUnitXml(traffic);
    expect(xml).toContain('<property name="seed" value="1234"/>');
    expect(xml).toContain('<property name="latency.count" value="32"/>');
    expect(xml).toContain('<property name="latency.p99.ms" value="51"/>');
    expect(xml).toContain(
      '<system-out>latency p50 12 ms  p95 40 ms  p99 51 ms  max 52 ms  (32 requests)</system-out>',
    );
  });

  test('the text output has a latency line under the check, and the histogram for sustained load', () => {
    const histogram = [
      { leMs: 10, count: 3 },
      { leMs: null, count: 1 },
    ];
    const [result] = traffic.results;
    if (!result) throw new Error('no result');
    expect(formatResult({ ...result, histogram }).split('\n')).toEqual([
      'PASS    60 ms       answers a burst of distinct events sent at once',
      '                   latency p50 12 ms  p95 40 ms  p99 51 ms  max 52 ms  (32 requests)',
      '                   histogram ≤10 ms 3 · >5000 ms 1',
    ]);
  });
});
