import { createFakeEvent } from '@omni-webhooks/schema/fixtures';
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, type Harness, startHarness } from '../test-support/receiver-harness.js';

let harness: Harness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

function driftedLead(n: number): string {
  const event = createFakeEvent('lead.created', {}, { seed: n }) as unknown as {
    data: Record<string, unknown>;
  };
  return JSON.stringify({
    ...event,
    data: { ...event.data, leadId: `lead-${n}`, source: 'zapier', score: 7 },
  });
}

describe('GET /drift', () => {
  it('lists what stored events drifted, newest first, filtered by type and kind', async () => {
    harness = await startHarness();
    for (const n of [1, 2, 3]) expect((await harness.post(driftedLead(n))).status).toBe(200);
    // a duplicate delivery is one event: it does not count again
    await harness.post(driftedLead(3));
    const received = createFakeEvent('document.received', {}, { seed: 4 });
    await harness.post(JSON.stringify({ ...received, apiVersion: '2026-01' }));
    await harness.post(JSON.stringify({ event: 'lead.archived', data: { leadId: 'l' } }));

    const { status, json } = await harness.admin('/drift');
    expect(status).toBe(200);
    const rows = json.drift as { event: string; path: string; kind: string; count: number }[];
    expect(rows.map((row) => [row.event, row.path, row.kind, row.count]).sort()).toEqual([
      ['document.received', 'apiVersion', 'unknown_field', 1],
      ['lead.archived', 'event', 'unknown_event', 1],
      ['lead.created', 'data.score', 'unknown_field', 3],
      ['lead.created', 'data.source', 'new_enum_value', 3],
    ]);
    expect(rows.find((row) => row.path === 'data.source')).toMatchObject({
      seen: 'zapier',
      example: 'zapier',
      expected: expect.stringContaining('inbound-email'),
      firstSeen: expect.any(String),
      lastSeen: expect.any(String),
    });
    const lastSeen = rows.map((row) => (row as unknown as { lastSeen: string }).lastSeen);
    expect([...lastSeen].sort().reverse()).toEqual(lastSeen);

    const leads = await harness.admin('/drift?type=lead.created&kind=new_enum_value');
    expect(leads.json.drift.map((row: { path: string }) => row.path)).toEqual(['data.source']);
    expect((await harness.admin('/drift?kind=nonsense')).status).toBe(400);
  });

  it('needs the admin token', async () => {
    harness = await startHarness();
    expect((await fetch(`${harness.url}/drift`)).status).toBe(401);
    expect((await fetch(`${harness.url}/events/export`)).status).toBe(401);
  });

  it('counts drift in /metrics: per event and kind, and the distinct paths', async () => {
    harness = await startHarness();
    for (const n of [1, 2]) await harness.post(driftedLead(n));
    await harness.admin('/drift');
    const metrics = await (await fetch(`${harness.url}/metrics`)).text();
    expect(metrics).toContain(
      'omni_receiver_schema_drift_total{event="lead.created",kind="new_enum_value"} 2',
    );
    expect(metrics).toContain(
      'omni_receiver_schema_drift_total{event="lead.created",kind="unknown_field"} 2',
    );
    expect(metrics).toContain('omni_receiver_schema_drift_paths 2');
  });

  it('reports nothing with DRIFT_DETECTION=off', async () => {
    harness = await startHarness({ DRIFT_DETECTION: 'off' });
    await harness.post(driftedLead(1));
    expect((await harness.admin('/drift')).json.drift).toEqual([]);
  });
});

describe('GET /events/export', () => {
  async function exportLines(path: string) {
    const response = await fetch(`${harness?.url}${path}`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    const text = await response.text();
    return {
      response,
      lines: text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { type: string; body: string; receivedAt: string }),
    };
  }

  it('streams every stored event as a json line holding the body exactly as received', async () => {
    harness = await startHarness();
    const bodies = [
      '{"event":"lead.created","data":{"leadId":"a"}}',
      '{\n  "event": "lead.updated",\t"data": {"leadId": "b", "externalId": null, "firstName": "Zoë \\u00e9"}\n}\n',
      '{"event":"lead.archived","data":{}}',
    ];
    for (const body of bodies) expect((await harness.post(body)).status).toBe(200);
    const { response, lines } = await exportLines('/events/export');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    expect(lines.map((line) => line.body)).toEqual(bodies);
    expect(lines.map((line) => line.type)).toEqual(['lead.created', 'lead.updated', 'lead.archived']);

    const leads = await exportLines('/events/export?type=lead.updated');
    expect(leads.lines.map((line) => line.body)).toEqual([bodies[1]]);
    const future = await exportLines('/events/export?since=2999-01-01');
    expect(future.lines).toEqual([]);
    const all = await exportLines(`/events/export?since=${encodeURIComponent(lines[0]?.receivedAt ?? '')}`);
    expect(all.lines).toHaveLength(3);
    expect((await exportLines('/events/export?since=yesterday')).response.status).toBe(400);
  });

  it('pages through more events than one read holds', async () => {
    harness = await startHarness();
    const sent: string[] = [];
    for (let n = 0; n < 230; n += 1) {
      const body = JSON.stringify({ event: 'lead.created', data: { leadId: `l-${n}` } });
      sent.push(body);
    }
    await Promise.all(sent.map((body) => harness?.post(body)));
    const { lines } = await exportLines('/events/export');
    expect(lines.map((line) => line.body).sort()).toEqual([...sent].sort());
  });
});
