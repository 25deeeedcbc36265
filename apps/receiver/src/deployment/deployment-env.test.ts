import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../service/config.js';
import { parseCidr, sourceMatcher } from './deployment-env.js';

const TOKEN = 'tok_0123456789abcdefghijklmnopqrstuv';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('credential rules', () => {
  it('refuses to start with no credential at all, naming the three variables', () => {
    const [problem, ...rest] = problems({});
    expect(rest).toEqual([]);
    expect(problem).toMatch(/WEBHOOK_SECRET/);
    expect(problem).toMatch(/WEBHOOK_PATH_TOKEN/);
    expect(problem).toMatch(/WEBHOOK_SIGNING_KEYS/);
    expect(problem).toMatch(/AUTH_MODE=none/);
  });

  it('needs no WEBHOOK_SECRET when a path token or signing keys are set', () => {
    expect(loadConfig({ WEBHOOK_PATH_TOKEN: TOKEN })).toMatchObject({ secrets: [], pathTokens: [TOKEN] });
    expect(
      loadConfig({ WEBHOOK_SIGNING_KEYS: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }).signingKeys,
    ).toHaveLength(1);
  });

  it('splits rotation tokens and refuses short or url-unsafe ones without echoing them', () => {
    expect(loadConfig({ WEBHOOK_PATH_TOKEN: ` ${TOKEN} , ${TOKEN}x ` }).pathTokens).toEqual([
      TOKEN,
      `${TOKEN}x`,
    ]);
    const short = problems({ WEBHOOK_PATH_TOKEN: 'short-token-abc' });
    expect(short.join('\n')).toMatch(/WEBHOOK_PATH_TOKEN.*32 characters/);
    expect(short.join('\n')).not.toContain('short-token-abc');
    expect(problems({ WEBHOOK_PATH_TOKEN: `${TOKEN}/x?y` }).join('\n')).toMatch(/WEBHOOK_PATH_TOKEN/);
  });

  it('takes AUTH_MODE=none on loopback only, and never beside a credential', () => {
    expect(loadConfig({ AUTH_MODE: 'none' }).authMode).toBe('none');
    expect(loadConfig({ AUTH_MODE: 'none', HOST: '::1' }).authMode).toBe('none');
    expect(problems({ AUTH_MODE: 'none', HOST: '0.0.0.0' }).join('\n')).toMatch(
      /AUTH_MODE: none is refused on HOST 0\.0\.0\.0/,
    );
    expect(problems({ AUTH_MODE: 'none', WEBHOOK_PATH_TOKEN: TOKEN }).join('\n')).toMatch(/AUTH_MODE/);
  });

  it('refuses a CIDR that is not one', () => {
    expect(
      problems({ WEBHOOK_PATH_TOKEN: TOKEN, ALLOWED_SOURCE_CIDRS: '10.0.0.0/8,10.0.0.0/33' }).join('\n'),
    ).toMatch(/ALLOWED_SOURCE_CIDRS: 10\.0\.0\.0\/33 is not/);
    expect(parseCidr('2001:db8::/129')).toBeUndefined();
    expect(parseCidr('example.com/8')).toBeUndefined();
  });
});

describe('sourceMatcher', () => {
  it('matches IPv4, IPv6 and IPv4-mapped addresses against their ranges', () => {
    const allowed = sourceMatcher(['192.0.2.0/24', '2001:db8::/32', '203.0.113.5']);
    expect(allowed?.('192.0.2.200')).toBe(true);
    expect(allowed?.('::ffff:192.0.2.1')).toBe(true);
    expect(allowed?.('2001:db8:1::1')).toBe(true);
    expect(allowed?.('203.0.113.5')).toBe(true);
    expect(allowed?.('203.0.113.6')).toBe(false);
    expect(allowed?.('2001:db9::1')).toBe(false);
    expect(allowed?.('not an ip')).toBe(false);
    expect(sourceMatcher([])).toBeUndefined();
  });
});
