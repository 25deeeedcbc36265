import { createFakeEvent } from '@omni-webhooks/schema/fixtures';
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, type Harness, startHarness } from '../test-support/receiver-harness.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const read = (base: string, path: string, token: string) =>
  fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });

describe('admin API: wrong tokens', () => {
  it('counts them in the auth-failure limiter: 429 with retry-after past AUTH_FAILURE_LIMIT', async () => {
    harness = await startHarness({ AUTH_FAILURE_LIMIT: '3' });
    const statuses: number[] = [];
    for (const path of ['/events', '/drift', '/events/evt_x', '/events', '/drift']) {
      statuses.push((await read(harness.url, path, 'wrong-token-0123456789')).status);
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    const limited = await read(harness.url, '/events', 'wrong-token-0123456789');
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await limited.json()).toMatchObject({ error: { code: 'too_many_requests' } });
    // the same budget as the ingest route: an address limited at the admin API is limited there too
    const ingest = await harness.post(JSON.stringify(createFakeEvent('lead.created')), {
      'x-webhook-secret': 'not-the-secret-0123456789',
    });
    expect(ingest.status).toBe(429);
    // the right token still reads
    expect((await read(harness.url, '/events', ADMIN_TOKEN)).status).toBe(200);
  });

  it('wrong secrets at the ingest route use up the admin budget too', async () => {
    harness = await startHarness({ AUTH_FAILURE_LIMIT: '2' });
    for (let i = 0; i < 2; i += 1) {
      const refused = await harness.post('{}', { 'x-webhook-secret': 'not-the-secret-0123456789' });
      expect(refused.status).toBe(401);
    }
    expect((await read(harness.url, '/events', 'wrong-token-0123456789')).status).toBe(429);
  });
});
