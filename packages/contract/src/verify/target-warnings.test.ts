import { describe, expect, test } from 'vitest';
import { isLoopbackHost } from '../loopback.js';
import { toJUnitXml } from './junit.js';
import { targetWarnings } from './target-warnings.js';
import { verifyReceiver } from './verify-receiver.js';

describe('targetWarnings', () => {
  test.each([
    'http://127.0.0.1:3000/webhooks/omniai',
    'http://127.8.9.10/hook',
    'http://localhost:3000/hook',
    'http://api.localhost/hook',
    'http://[::1]:3000/hook',
    'http://[::ffff:127.0.0.1]/hook',
    'https://receiver.example.com/hook',
    'https://10.0.0.5/hook',
  ])('says nothing about %s', (url) => {
    expect(targetWarnings(url)).toEqual([]);
  });

  test.each([
    ['http://receiver.example.com/webhooks/omniai', 'http://receiver.example.com'],
    ['http://10.0.0.5:8080/hook', 'http://10.0.0.5:8080'],
    ['http://[2001:db8::1]/hook', 'http://[2001:db8::1]'],
    ['http://0.0.0.0:3000/hook', 'http://0.0.0.0:3000'],
    ['http://localhost.example.com/hook', 'http://localhost.example.com'],
  ])('warns about plain http to %s in one line', (url, origin) => {
    const warnings = targetWarnings(url);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`${origin} is plain http`);
    expect(warnings[0]).toContain('HTTPS');
    expect(warnings[0]).not.toContain('\n');
  });

  test('names loopback hosts', () => {
    expect(isLoopbackHost('LOCALHOST')).toBe(true);
    expect(isLoopbackHost('128.0.0.1')).toBe(false);
  });
});

describe('the report', () => {
  test('carries the warning, tells onWarning before any check, and puts it in the JUnit XML', async () => {
    const heard: string[] = [];
    const report = await verifyReceiver(
      { url: 'http://receiver.example.com/webhooks/omniai' },
      { checks: [], onWarning: (warning) => heard.push(warning) },
    );
    expect(report.warnings).toEqual(heard);
    expect(heard).toHaveLength(1);
    expect(toJUnitXml(report)).toContain(`<system-err>${heard[0]}</system-err>`);
  });

  test('has no warning for a loopback receiver', async () => {
    const report = await verifyReceiver({ url: 'http://127.0.0.1:9/webhooks/omniai' }, { checks: [] });
    expect(report.warnings).toEqual([]);
    expect(toJUnitXml(report)).not.toContain('system-err');
  });
});
