// the traffic knobs as `scenario` flags, generated from TRAFFIC_KNOBS: one table for the file keys,
// the plan options and these flags (a flag given wins over the file's key; none has a default here,
// so the file's value stands when the flag is absent)
import {
  TRAFFIC_KNOB_NAMES,
  TRAFFIC_KNOBS,
  type TrafficKnobName,
  type TrafficKnobs,
} from '@omni-webhooks/schema/fixtures';
import { type Command, InvalidArgumentError, Option } from 'commander';

const NUMBER = /^[0-9]*\.?[0-9]+(e[-+]?[0-9]+)?$/i;

function placeholder(name: TrafficKnobName): string {
  const { schema } = TRAFFIC_KNOBS[name];
  if (name.endsWith('Ms')) return 'ms';
  if (schema.isInt) return 'n';
  return schema.maxValue === 1 ? 'share' : 'x';
}

/** "1 to 100000", "above 0, up to 1000000": read off the knob's schema */
export function knobBounds(name: TrafficKnobName): string {
  const { schema } = TRAFFIC_KNOBS[name];
  const min = schema.minValue ?? Number.NEGATIVE_INFINITY;
  return schema.safeParse(min).success
    ? `${min} to ${schema.maxValue}`
    : `above ${min}, up to ${schema.maxValue}`;
}

/** a flag's value checked by the knob's own zod schema */
export function parseKnob(name: TrafficKnobName, value: string): number {
  const checked = TRAFFIC_KNOBS[name].schema.safeParse(NUMBER.test(value) ? Number(value) : Number.NaN);
  if (!checked.success) {
    const { schema } = TRAFFIC_KNOBS[name];
    throw new InvalidArgumentError(
      `must be ${schema.isInt ? 'a whole number' : 'a number'}, ${knobBounds(name)}`,
    );
  }
  return checked.data;
}

/** the flag, its value placeholder and the help line of each knob, in table order */
export const KNOB_FLAGS = TRAFFIC_KNOB_NAMES.map((name) => {
  const knob = TRAFFIC_KNOBS[name];
  const flags = `${knob.flag} <${placeholder(name)}>`;
  return {
    name,
    flags,
    attribute: new Option(flags).attributeName(),
    help: `${knob.describe} (default ${knob.default}, or the file's \`${name}\`)`,
  };
});

export function addKnobOptions(command: Command): Command {
  for (const knob of KNOB_FLAGS) {
    command.addOption(new Option(knob.flags, knob.help).argParser((value) => parseKnob(knob.name, value)));
  }
  return command;
}

/** the knobs given on the command line (the plan options) */
export function knobOptionsOf(options: Record<string, unknown>): Partial<TrafficKnobs> {
  const knobs: Partial<TrafficKnobs> = {};
  for (const knob of KNOB_FLAGS) {
    const value = options[knob.attribute];
    if (typeof value === 'number') knobs[knob.name] = value;
  }
  return knobs;
}

/** the README's knob table, generated from the same table (a test keeps the README in step) */
export function knobTableMarkdown(): string {
  const rows = [
    ['flag', 'file key', 'default', 'bounds', 'meaning'],
    ...KNOB_FLAGS.map((knob) => {
      const { default: fallback, describe } = TRAFFIC_KNOBS[knob.name];
      return [`\`${knob.flags}\``, `\`${knob.name}\``, String(fallback), knobBounds(knob.name), describe];
    }),
  ];
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  const line = (row: string[]) =>
    `| ${row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  const [head, ...body] = rows;
  const rule = `| ${widths.map((width) => '-'.repeat(width)).join(' | ')} |`;
  return [line(head ?? []), rule, ...body.map(line)].join('\n');
}
