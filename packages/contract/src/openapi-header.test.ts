import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { expect, test } from 'vitest';
import { DEFAULT_SECRET_HEADER } from './delivery-contract.js';

// the schema package cannot import this one (it is a dependency of it), so the header name it
// writes into the openapi document is checked here
test('the OpenAPI document names the secret header the contract defines', () => {
  const path = createRequire(import.meta.url).resolve('@omni-webhooks/schema/openapi/webhooks.openapi.json');
  const document = JSON.parse(readFileSync(path, 'utf8')) as {
    webhooks: Record<string, { post: { parameters?: { name: string; in: string }[] } }>;
  };
  const headers = Object.values(document.webhooks).map(
    (webhook) => webhook.post.parameters?.find((parameter) => parameter.in === 'header')?.name,
  );
  expect(headers.length).toBe(7);
  expect(new Set(headers)).toEqual(new Set([DEFAULT_SECRET_HEADER]));
});
