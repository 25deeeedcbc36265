import { readdir, readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { GENERATE_COMMAND, GENERATED_DIRS, renderGeneratedFiles } from './generated-files.js';

const packageRoot = new URL('../', import.meta.url);

async function readCommitted(path: string): Promise<string | undefined> {
  return readFile(new URL(path, packageRoot), 'utf8').catch(() => undefined);
}

describe('committed JSON Schema and OpenAPI files', async () => {
  const { version } = JSON.parse(await readFile(new URL('package.json', packageRoot), 'utf8')) as {
    version: string;
  };
  const expected = renderGeneratedFiles(version);

  for (const [path, content] of expected) {
    it(`${path} matches the zod source`, async () => {
      const committed = await readCommitted(path);
      expect(
        committed === content,
        `${path} is out of date with the zod schemas: run \`${GENERATE_COMMAND}\``,
      ).toBe(true);
    });
  }

  it('has no stale files', async () => {
    const present = (
      await Promise.all(
        GENERATED_DIRS.map(async (dir) =>
          (await readdir(new URL(`${dir}/`, packageRoot))).map((f) => `${dir}/${f}`),
        ),
      )
    ).flat();
    const stale = present.filter((path) => !expected.has(path));
    expect(stale, `stale generated files: run \`${GENERATE_COMMAND}\``).toEqual([]);
  });

  it('describes one OpenAPI webhook per event with the secret header and responses', () => {
    const document = JSON.parse(expected.get('openapi/webhooks.openapi.json') ?? '{}');
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.webhooks)).toHaveLength(7);
    const post = document.webhooks['document.received'].post;
    expect(post.parameters).toEqual([expect.objectContaining({ name: 'x-webhook-secret', in: 'header' })]);
    expect(Object.keys(post.responses)).toEqual(['200', '400', '401', '413', '415']);
    expect(post.requestBody.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/DocumentReceivedEvent',
    });
    expect(document.components.schemas.DocumentReceivedEvent.properties.document).toBeDefined();
  });
});
