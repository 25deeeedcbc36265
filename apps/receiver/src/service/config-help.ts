import { receiverEnvSchema } from './config.js';

// `--help` is generated from the schema's descriptions and defaults: one source with the README's table

/** what the variable is when unset: its default, or that it is required or optional */
function unsetValue(name: keyof typeof receiverEnvSchema.shape): string {
  const parsed = receiverEnvSchema.shape[name].safeParse(undefined);
  if (!parsed.success) return 'required';
  return parsed.data === undefined ? 'optional' : `default ${String(parsed.data)}`;
}

export function receiverHelp(): string {
  const names = Object.keys(receiverEnvSchema.shape) as (keyof typeof receiverEnvSchema.shape)[];
  const width = Math.max(...names.map((name) => name.length));
  const variables = names.map((name) => {
    const description = receiverEnvSchema.shape[name].description ?? '';
    return `  ${name.padEnd(width)}  ${description} (${unsetValue(name)})`;
  });
  return [
    'usage: node apps/receiver/dist/service/main.js',
    '',
    'Receives OmniAI webhooks on POST /webhooks/omniai. Configured by environment variables:',
    '',
    ...variables,
    '',
    'See apps/receiver/README.md.',
    '',
  ].join('\n');
}
