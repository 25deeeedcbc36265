// safeParseWebhookEvent (zod, lenient) against ajv on the generated lenient JSON Schema, per event type
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import {
  detectSchemaDrift,
  driftShapeKey,
  safeParseWebhookEvent,
  WEBHOOK_EVENT_TYPES,
} from '@omni-webhooks/schema';
import { fixtures } from '@omni-webhooks/schema/fixtures';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { Bench } from 'tinybench';

function opsPerSecond(bench: Bench, name: string): number {
  const result = bench.getTask(name)?.result;
  if (!result || !('throughput' in result)) throw new Error(`benchmark task "${name}" produced no result`);
  return result.throughput.mean;
}

function formatOps(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

export default async function schemaSuite(): Promise<void> {
  const schemaPath = fileURLToPath(
    import.meta.resolve('@omni-webhooks/schema/json-schema/webhook-event.schema.json'),
  );
  const ajv = new Ajv2020({ strict: true });
  addFormats.default(ajv);
  const validate = ajv.compile(JSON.parse(await readFile(schemaPath, 'utf8')));

  const bench = new Bench({ time: 300, warmupTime: 100 });
  for (const type of WEBHOOK_EVENT_TYPES) {
    const fixture = fixtures.find((candidate) => candidate.type === type);
    if (!fixture) throw new Error(`no fixture for ${type}`);
    // parsed json, as a receiver would hold it
    const event: unknown = JSON.parse(JSON.stringify(fixture.event));
    if (!safeParseWebhookEvent(event).success || !validate(event)) {
      throw new Error(`fixture ${type} is not valid for both validators`);
    }
    bench.add(`zod ${type}`, () => {
      safeParseWebhookEvent(event);
    });
    bench.add(`ajv ${type}`, () => {
      validate(event);
    });
    // what the receiver's drift radar adds per event: the shape key always, detection once per shape
    // (and for 1 in 100 events); an unknown field makes it find something
    const drifted = { ...(event as Record<string, unknown>), apiVersion: '2026-01' };
    bench.add(`shape ${type}`, () => {
      driftShapeKey(type, drifted);
    });
    bench.add(`detect ${type}`, () => {
      detectSchemaDrift(type, drifted);
    });
  }
  await bench.run();

  const rows = WEBHOOK_EVENT_TYPES.map((type) => {
    const zod = opsPerSecond(bench, `zod ${type}`);
    const ajvOps = opsPerSecond(bench, `ajv ${type}`);
    return {
      event: type,
      'zod ops/s': formatOps(zod),
      'ajv ops/s': formatOps(ajvOps),
      'zod / ajv': (zod / ajvOps).toFixed(2),
    };
  });
  const headers = Object.keys(rows[0] ?? {});
  const widths = headers.map((header) =>
    Math.max(header.length, ...rows.map((row) => String(row[header as keyof typeof row]).length)),
  );
  const line = (cells: string[]) =>
    `| ${cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join(' | ')} |\n`;
  process.stdout.write(
    'safeParseWebhookEvent (zod 4, lenient) vs ajv 8 on json-schema/webhook-event.schema.json, same run; ratio > 1: zod is faster\n',
  );
  process.stdout.write(line(headers));
  process.stdout.write(line(widths.map((width) => '-'.repeat(width))));
  for (const row of rows)
    process.stdout.write(line(headers.map((header) => row[header as keyof typeof row])));

  // the radar's cost per event, against the lenient parse every event already pays
  const radarCosts = WEBHOOK_EVENT_TYPES.map((type) => {
    const parse = 1 / opsPerSecond(bench, `zod ${type}`);
    const perEvent =
      1 / opsPerSecond(bench, `shape ${type}`) + 1 / opsPerSecond(bench, `detect ${type}`) / 100;
    return { type, parse, perEvent };
  });
  process.stdout.write(
    '\ndrift radar per event (shape key + 1/100 of a detection) / lenient zod parse, same run:\n' +
      radarCosts
        .map(
          ({ type, parse, perEvent }) =>
            `  ${type}: ${(perEvent * 1e6).toFixed(2)} µs / ${(parse * 1e6).toFixed(2)} µs = ${(perEvent / parse).toFixed(3)}`,
        )
        .join('\n') +
      '\n',
  );
}
