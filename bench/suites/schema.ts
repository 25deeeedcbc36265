// safeParseWebhookEvent (zod, lenient) against ajv on the generated lenient JSON Schema, per event type
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { safeParseWebhookEvent, WEBHOOK_EVENT_TYPES } from '@omni-webhooks/schema';
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
}
