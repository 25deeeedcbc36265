import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { describe, expect, test } from 'vitest';
import { addTrafficOptions, type TrafficFlags, trafficSettingsFrom } from './traffic-flags.js';

const parse = (args: string[]) =>
  addTrafficOptions(new Command('verify').exitOverride().configureOutput({ writeErr: () => undefined }))
    .parse(args, { from: 'user' })
    .opts<TrafficFlags>();

describe('the traffic flags', () => {
  test('default to the documented values, with a fresh seed each run', () => {
    const settings = trafficSettingsFrom(parse([]));
    expect(settings).toMatchObject({
      burst: 32,
      duplicates: 4,
      payloads: 200,
      journeys: true,
      redelivery: true,
      redeliveryPauseMs: 2000,
      bodyLimitBytes: 1048576,
    });
    expect(typeof settings === 'string' ? undefined : settings.rate).toBeUndefined();
  });

  test('tune or skip each check', () => {
    const settings = trafficSettingsFrom(
      parse([
        '--burst',
        '0',
        '--payloads',
        '9',
        '--seed',
        '5',
        '--no-journeys',
        '--rate',
        '2',
        '--duration',
        '3',
      ]),
    );
    expect(settings).toMatchObject({
      burst: 0,
      payloads: 9,
      seed: 5,
      journeys: false,
      rate: 2,
      durationS: 3,
    });
  });

  test('refuse what cannot be run', () => {
    expect(trafficSettingsFrom(parse(['--rate', '5']))).toBe('--rate and --duration go together');
    expect(trafficSettingsFrom(parse(['--burst', '5000']))).toBe('--burst: at most 1000');
    expect(() => parse(['--burst', '-1'])).toThrow(/whole number/);
    expect(() => parse(['--seed', 'abc'])).toThrow(/seed a run printed/);
  });

  test('are each in the contract README', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    for (const option of addTrafficOptions(new Command('verify')).options) {
      expect(readme).toContain(option.long);
    }
  });
});
