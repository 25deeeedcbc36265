import { describe, expect, it } from 'vitest';
import { isLoopbackHost } from './loopback.js';

describe('isLoopbackHost', () => {
  it('knows names and addresses only this machine reaches', () => {
    const loopback = [
      '127.0.0.1',
      '127.0.0.2',
      '::1',
      '[::1]',
      'localhost',
      'api.localhost',
      '::ffff:127.0.0.1',
    ];
    expect(loopback.filter((host) => !isLoopbackHost(host))).toEqual([]);
  });

  it('refuses the wildcard addresses and everything else', () => {
    const others = ['0.0.0.0', '::', '10.0.0.5', '192.168.1.2', 'sender.internal', 'localhost.example.com'];
    expect(others.filter((host) => isLoopbackHost(host))).toEqual([]);
  });
});
