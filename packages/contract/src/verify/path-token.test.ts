import { afterEach, describe, expect, test } from 'vitest';
import { splitPathToken } from './path-token-url.js';
import { startTestReceiver, type TestReceiver } from './test-support/flawed-receiver.js';
import { type CheckResult, verifyReceiver } from './verify-receiver.js';

const token = 'path-token-0123456789abcdefghijklmnop';
let receiver: TestReceiver | undefined;

afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

const quick = { payloads: 5, redeliveryPauseMs: 10, burst: 4, duplicates: 2 };
const named = (results: CheckResult[], name: string) => results.find((result) => result.name === name);

describe('--path-token', () => {
  test('a receiver that authenticates by the token in its path passes; the secret checks send a wrong and a missing token', async () => {
    receiver = await startTestReceiver({ pathToken: token });
    const report = await verifyReceiver({ url: receiver.url, pathToken: token }, { traffic: quick });
    expect(report.results.filter((result) => result.status === 'fail')).toEqual([]);
    expect(named(report.results, 'refuses a delivery without the path token')).toMatchObject({
      status: 'pass',
      httpStatus: 404,
    });
    expect(named(report.results, 'refuses a delivery with a wrong path token')?.status).toBe('pass');
    expect(named(report.results, 'refuses a delivery without the secret')).toBeUndefined();
    // only the given url, with the token, without it, or with a wrong one of the same length
    const base = new URL(receiver.url).pathname;
    const paths = new Set(receiver.paths);
    expect(paths.has(`${base}/${token}`)).toBe(true);
    expect(paths.has(base)).toBe(true);
    expect([...paths].every((path) => path === base || path.length === base.length + 1 + token.length)).toBe(
      true,
    );
    expect(JSON.stringify(report)).not.toContain(token);
  });

  test('a receiver that takes any path fails both token checks', async () => {
    receiver = await startTestReceiver({ pathToken: token, flaws: { acceptsAnyPath: true } });
    const report = await verifyReceiver({ url: receiver.url, pathToken: token }, { traffic: quick });
    expect(report.results.filter((result) => result.status === 'fail').map((result) => result.name)).toEqual([
      'refuses a delivery without the path token',
      'refuses a delivery with a wrong path token',
    ]);
  });
});

describe('splitPathToken', () => {
  const url = 'https://hooks.example.com/webhooks/omniai';

  test('appends a token given by flag or variable, as one segment', () => {
    expect(splitPathToken(url, 'abc', undefined)).toEqual({ url, pathToken: 'abc' });
    expect(splitPathToken(url, true, 'from-env')).toEqual({ url, pathToken: 'from-env' });
    expect(splitPathToken(url, 'a/b', undefined)).toMatch(/one path segment/);
  });

  test('a bare flag takes the token from the end of the url', () => {
    expect(splitPathToken(`${url}/t0ken`, true, undefined)).toEqual({ url, pathToken: 't0ken' });
    expect(splitPathToken('https://hooks.example.com/', true, undefined)).toMatch(/no token/);
  });

  test('without the flag the url is left alone', () => {
    expect(splitPathToken(url, undefined, 'ignored')).toEqual({ url });
  });
});
