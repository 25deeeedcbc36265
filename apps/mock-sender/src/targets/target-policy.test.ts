import { describe, expect, it } from 'vitest';
import { classifyAddress, parseTargetEntry, TargetPolicy } from './target-policy.js';

const allowed = (...entries: string[]) => entries.map(parseTargetEntry);
const url = (text: string) => new URL(text);

describe('classifyAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['::1', 'loopback'],
    ['0.0.0.0', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.31.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['fd12::1', 'private'],
    ['169.254.10.10', 'link-local'],
    ['fe80::1', 'link-local'],
    ['169.254.169.254', 'metadata'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['fd00:ec2::23', 'metadata'],
    ['fd20:ce::254', 'metadata'],
    // an IPv6 form that embeds an IPv4 address is that address
    ['64:ff9b::a9fe:a9fe', 'metadata'],
    ['64:ff9b::169.254.169.254', 'metadata'],
    ['2002:a9fe:a9fe::1', 'metadata'],
    ['::a9fe:a9fe', 'metadata'],
    ['::ffff:a9fe:a9fe', 'metadata'],
    ['64:ff9b::7f00:1', 'loopback'],
    ['2002:a00:1::', 'private'],
    ['::ffff:10.0.0.1', 'private'],
    ['64:ff9b::a9fe:0a0a', 'link-local'],
    ['64:ff9b::5db8:d822', 'public'],
    ['2002:5db8:d822::1', 'public'],
    ['93.184.216.34', 'public'],
    ['2606:4700::1111', 'public'],
  ])('%s is %s', (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
  });
});

describe('parseTargetEntry', () => {
  it('reads host names, host:port, addresses, [ipv6]:port and CIDR ranges', () => {
    expect(
      allowed(
        'Receiver.Staging.internal',
        'hooks.example.com:8443',
        '10.0.0.5',
        '[::1]:3000',
        '10.0.0.0/8',
        'fd00::/8',
      ),
    ).toEqual([
      { kind: 'host', host: 'receiver.staging.internal', port: undefined },
      { kind: 'host', host: 'hooks.example.com', port: 8443 },
      { kind: 'range', address: '10.0.0.5', prefix: 32, family: 'ipv4', port: undefined },
      { kind: 'range', address: '::1', prefix: 128, family: 'ipv6', port: 3000 },
      { kind: 'range', address: '10.0.0.0', prefix: 8, family: 'ipv4', port: undefined },
      { kind: 'range', address: 'fd00::', prefix: 8, family: 'ipv6', port: undefined },
    ]);
  });

  it.each(['10.0.0.0/33', 'host:0', 'host:70000', 'http://host', 'a b', '-bad.example'])(
    'refuses %j',
    (entry) => {
      expect(() => parseTargetEntry(entry)).toThrow(TypeError);
    },
  );
});

describe('TargetPolicy', () => {
  const onLoopback = new TargetPolicy({ hostIsLoopback: true });
  const exposed = new TargetPolicy({ hostIsLoopback: false });

  it('by default, on a loopback HOST: loopback, private and public targets, never link-local or metadata', () => {
    for (const target of [
      'http://127.0.0.1:3000/h',
      'http://[::1]/h',
      'http://10.0.0.5/h',
      'https://93.184.216.34/h',
    ]) {
      expect(onLoopback.checkUrl(url(target)), target).toBeUndefined();
    }
    expect(onLoopback.checkUrl(url('http://169.254.169.254/latest/meta-data'))).toMatch(/cloud metadata/);
    expect(onLoopback.checkUrl(url('http://[fe80::1]/'))).toMatch(/link-local/);
    expect(onLoopback.checkUrl(url('http://metadata.google.internal/computeMetadata/v1'))).toMatch(
      /metadata service/,
    );
  });

  it('by default, on a non-loopback HOST: public targets only', () => {
    expect(exposed.checkUrl(url('https://93.184.216.34/h'))).toBeUndefined();
    expect(exposed.checkUrl(url('http://127.0.0.1:3000/h'))).toMatch(/loopback address, refused by default/);
    expect(exposed.checkUrl(url('http://0.0.0.0:3000/h'))).toMatch(/loopback/);
    expect(exposed.checkAddress('10.0.0.5', 'receiver.internal', 80)).toMatch(
      /receiver.internal \(10.0.0.5\) is a private address/,
    );
  });

  it('with ALLOWED_TARGETS: only what is listed, ports included; metadata only when listed itself', () => {
    const policy = new TargetPolicy({
      hostIsLoopback: false,
      allowed: allowed('receiver.staging.internal', 'hooks.example.com:8443', '10.0.0.0/8', '0.0.0.0/0'),
    });
    expect(policy.checkAddress('10.1.1.1', 'receiver.staging.internal', 443)).toBeUndefined();
    expect(policy.checkAddress('10.9.9.9', 'anything.internal', 80)).toBeUndefined();
    expect(policy.checkAddress('192.0.2.1', 'hooks.example.com', 8443)).toBeUndefined();
    expect(
      new TargetPolicy({ hostIsLoopback: true, allowed: allowed('hooks.example.com:8443') }).checkAddress(
        '192.0.2.1',
        'hooks.example.com',
        443,
      ),
    ).toMatch(/not in ALLOWED_TARGETS/);
    // 0.0.0.0/0 and a listed name do not open the metadata service
    expect(policy.checkAddress('169.254.169.254', 'receiver.staging.internal', 80)).toMatch(/cloud metadata/);
    const listed = new TargetPolicy({
      hostIsLoopback: false,
      allowed: allowed('169.254.169.254', '169.254.0.0/16'),
    });
    expect(listed.checkUrl(url('http://169.254.169.254/latest'))).toBeUndefined();
    expect(listed.checkUrl(url('http://169.254.10.10/'))).toBeUndefined();
    // the IPv4 listing covers its embedded forms too
    expect(listed.checkUrl(url('http://[64:ff9b::a9fe:a9fe]/latest'))).toBeUndefined();
  });

  it('refuses IPv6 metadata and IPv4-embedding forms of it under any broad ALLOWED_TARGETS', () => {
    const broad = new TargetPolicy({
      hostIsLoopback: false,
      allowed: allowed('0.0.0.0/0', '::/0', 'fc00::/7', '64:ff9b::/96', '2002::/16'),
    });
    for (const address of [
      'fd20:ce::254',
      'fd00:ec2::23',
      'fd00:ec2::254',
      '64:ff9b::a9fe:a9fe',
      '2002:a9fe:a9fe::1',
      '::a9fe:a9fe',
      '::ffff:169.254.169.254',
    ]) {
      expect(broad.checkUrl(url(`http://[${address}]/latest`)), address).toMatch(/cloud metadata/);
    }
    // the public address of a NAT64 form passes the broad list
    expect(broad.checkUrl(url('http://[64:ff9b::5db8:d822]/'))).toBeUndefined();
    // and without a list, on a non-loopback HOST, a private address in NAT64 form is private
    const byDefault = new TargetPolicy({ hostIsLoopback: false });
    expect(byDefault.checkUrl(url('http://[64:ff9b::a00:1]/'))).toMatch(/private address/);
  });

  it('REQUIRE_HTTPS_TARGETS: http only to loopback', () => {
    const policy = new TargetPolicy({ hostIsLoopback: true, requireHttps: true });
    expect(policy.checkUrl(url('http://10.0.0.5/h'))).toMatch(/REQUIRE_HTTPS_TARGETS=true/);
    expect(policy.checkUrl(url('http://receiver.internal/h'))).toMatch(/REQUIRE_HTTPS_TARGETS=true/);
    expect(policy.checkUrl(url('https://10.0.0.5/h'))).toBeUndefined();
    expect(policy.checkUrl(url('http://127.0.0.1:3000/h'))).toBeUndefined();
    expect(policy.checkUrl(url('http://localhost:3000/h'))).toBeUndefined();
    expect(policy.checkUrl(url('http://receiver.localhost:3000/h'))).toBeUndefined();
  });
});
