// the committed OpenAPI document through a maintained validator (Redocly's), and each webhook's body
// checked against the JSON Schema file of its event, so the two "other languages" outputs cannot differ
import { readFile } from 'node:fs/promises';
import { createConfig, lint, lintFromString } from '@redocly/openapi-core';
import { describe, expect, it } from 'vitest';
import { WEBHOOK_EVENT_TYPES } from './event-types.js';
import { jsonSchemaFileName } from './json-schema.js';

const packageRoot = new URL('../', import.meta.url);
const documentPath = new URL('openapi/webhooks.openapi.json', packageRoot);

// a webhooks-only document has no server to call, and its secret is an optional header parameter
// (OmniAI documents no security scheme), so those two recommended rules do not apply
const config = await createConfig({
  extends: ['recommended'],
  rules: { 'no-empty-servers': 'off', 'security-defined': 'off' },
});

type Problem = Awaited<ReturnType<typeof lint>>[number];

function describeProblems(problems: Problem[]): string[] {
  return problems.map(
    (problem) =>
      `${problem.severity} ${problem.ruleId}: ${problem.message} at ${problem.location[0]?.pointer}`,
  );
}

async function readJson(url: URL): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(url, 'utf8'));
}

describe('openapi/webhooks.openapi.json', async () => {
  const document = (await readJson(documentPath)) as {
    webhooks: Record<
      string,
      { post: { requestBody: { content: Record<string, { schema: { $ref: string } }> } } }
    >;
    components: { schemas: Record<string, unknown> };
  };

  it('passes the Redocly validator with no error or warning', async () => {
    const problems = await lint({ ref: documentPath.pathname, config });
    expect(describeProblems(problems)).toEqual([]);
  });

  it('is a validator that fails a broken document', async () => {
    const broken = structuredClone(document);
    const post = broken.webhooks['lead.created']?.post;
    const body = post?.requestBody.content['application/json'];
    if (!post || !body) throw new Error('no lead.created body');
    body.schema.$ref = '#/components/schemas/Missing';
    (post as { responses?: unknown }).responses = { '200': {} };
    const problems = await lintFromString({
      source: JSON.stringify(broken),
      absoluteRef: documentPath.pathname,
      config,
    });
    const errors = problems.filter((problem) => problem.severity === 'error').map((p) => p.ruleId);
    expect(errors).toEqual(expect.arrayContaining(['no-unresolved-refs', 'struct']));
  });

  for (const type of WEBHOOK_EVENT_TYPES) {
    it(`${type}: the request body is the JSON Schema of json-schema/${jsonSchemaFileName(type, 'lenient')}`, async () => {
      const ref = document.webhooks[type]?.post.requestBody.content['application/json']?.schema.$ref ?? '';
      const name = /^#\/components\/schemas\/([^/]+)$/.exec(ref)?.[1] ?? '';
      expect(document.components.schemas).toHaveProperty([name]);
      const {
        $schema: _,
        $id: __,
        ...file
      } = await readJson(new URL(`json-schema/${jsonSchemaFileName(type, 'lenient')}`, packageRoot));
      expect(document.components.schemas[name]).toEqual(file);
    });
  }
});
