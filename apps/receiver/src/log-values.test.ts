import { createFakeEvent } from '@omni-webhooks/schema/fixtures';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { logError, logValue, MAX_LOG_ERROR_CHARS, MAX_LOG_VALUE_CHARS } from './log-values.js';
import { exampleHandlers } from './service/example-handlers.js';
import { type Harness, startHarness } from './test-support/receiver-harness.js';

describe('logValue and logError', () => {
  it('keep short values whole and cut long ones with a mark', () => {
    expect(logValue('lead.created')).toBe('lead.created');
    expect(logValue('x'.repeat(300_000))).toBe(`${'x'.repeat(MAX_LOG_VALUE_CHARS - 1)}…`);
    expect(logError(new TypeError('y'.repeat(10_000)))).toHaveLength(MAX_LOG_ERROR_CHARS);
    expect(logError(new TypeError('bad'))).toBe('TypeError: bad');
  });
});

describe('receiver log lines', () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  const capture = () => {
    const lines: string[] = [];
    return { lines, logger: pino({ level: 'info' }, { write: (line: string) => void lines.push(line) }) };
  };

  it('cut an event name, a handled field and a handler error of 300 KB', async () => {
    const { lines, logger } = capture();
    const huge = 'n'.repeat(300_000);
    harness = await startHarness(
      {},
      {
        logger,
        configure: (receiver, log) => {
          exampleHandlers(receiver, log);
          receiver.on('lead.updated', () => {
            throw new Error(`upstream refused ${huge}`);
          });
        },
      },
    );
    const unknown = await harness.post(JSON.stringify({ event: `x.${huge}`, data: {} }));
    expect(unknown.status).toBe(200);
    const document = createFakeEvent('document.received', undefined, { seed: 1 });
    const named = { ...document, document: { ...document.document, filename: `${huge}.pdf` } };
    expect((await harness.post(JSON.stringify(named))).status).toBe(200);
    expect((await harness.post(JSON.stringify(createFakeEvent('lead.updated')))).status).toBe(200);

    await expect
      .poll(() => lines.filter((line) => /handled document\.received|handler error/.test(line)).length, {
        timeout: 5000,
      })
      .toBeGreaterThanOrEqual(2);
    for (const line of lines) expect(line.length).toBeLessThan(8 * 1024);
    const stored = lines.map((line) => JSON.parse(line)).find((line) => line.outcome === 'ignored');
    expect(stored?.type).toBe(`x.${'n'.repeat(MAX_LOG_VALUE_CHARS - 3)}…`);
  });
});
