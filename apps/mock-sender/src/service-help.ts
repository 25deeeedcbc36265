import { CONFIG_VARIABLES } from './config.js';

/** `--help` of the service entry point, from the one table of variables the config reads */
export function serviceHelp(): string {
  const names = Object.keys(CONFIG_VARIABLES) as (keyof typeof CONFIG_VARIABLES)[];
  const width = Math.max(...names.map((name) => name.length));
  const rows = names.map((name) => {
    const { doc, default: fallback } = CONFIG_VARIABLES[name];
    return `  ${name.padEnd(width)}  ${doc}${fallback === undefined ? '' : ` (default ${fallback})`}`;
  });
  return [
    'usage: node apps/mock-sender/dist/main.js   (or: pnpm sender)',
    '',
    'The mock OmniAI sender: HTTP API and web console on HOST:PORT, deliveries from a durable outbox.',
    'Configured by environment variables:',
    '',
    ...rows,
    '',
  ].join('\n');
}
