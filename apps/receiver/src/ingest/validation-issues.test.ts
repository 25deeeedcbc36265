import { createFakeEvent } from '@omni-webhooks/schema/fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../test-support/receiver-harness.js';
import {
  MAX_ISSUE_MESSAGE_CHARS,
  MAX_ISSUE_PATH_SEGMENTS,
  MAX_ISSUE_SEGMENT_CHARS,
  MAX_ISSUES_BYTES,
  reportedIssues,
} from './validation-issues.js';

const issue = (path: (string | number)[], message = 'Invalid input', code = 'invalid_type') => ({
  path,
  message,
  code,
});

describe('reportedIssues', () => {
  it('cuts long path segments, deep paths and long messages', () => {
    const deep = Array.from({ length: 40 }, (_, n) => `k${n}`);
    const [cut] = reportedIssues([issue(['data', 'x'.repeat(20_000), 3, ...deep], 'y'.repeat(50_000))]);
    expect(cut?.path).toHaveLength(MAX_ISSUE_PATH_SEGMENTS);
    expect(cut?.path.slice(0, 3)).toEqual(['data', `${'x'.repeat(MAX_ISSUE_SEGMENT_CHARS - 1)}…`, 3]);
    expect(cut?.path.at(-1)).toBe('…');
    expect(cut?.message).toBe(`${'y'.repeat(MAX_ISSUE_MESSAGE_CHARS - 1)}…`);
  });

  it('keeps the issues that fit the byte budget, then counts the rest', () => {
    const issues = Array.from({ length: 45 }, (_, n) =>
      issue([`key${n}-${'z'.repeat(100)}`], 'm'.repeat(400)),
    );
    const kept = reportedIssues(issues);
    expect(Buffer.byteLength(JSON.stringify(kept))).toBeLessThanOrEqual(MAX_ISSUES_BYTES + 100);
    const last = kept.at(-1);
    expect(last?.code).toBe('too_many_issues');
    expect(last?.message).toBe(`${45 - (kept.length - 1)} more issues left out`);
    expect(kept.length).toBeGreaterThan(10);
  });

  it('gives the same issues when applied again (rows are cut again when read)', () => {
    const issues = Array.from({ length: 300 }, (_, n) =>
      issue(['items', n, 'w'.repeat(500)], 'v'.repeat(900)),
    );
    const once = reportedIssues(issues);
    expect(reportedIssues(once)).toEqual(once);
    expect(once.at(-1)?.message).toBe(`${300 - (once.length - 1)} more issues left out`);
  });

  it('never splits a surrogate pair', () => {
    const [cut] = reportedIssues([
      issue([`${'a'.repeat(MAX_ISSUE_SEGMENT_CHARS - 2)}😀😀`], '😀'.repeat(300)),
    ]);
    expect(cut?.path[0]).toBe(`${'a'.repeat(MAX_ISSUE_SEGMENT_CHARS - 2)}…`);
    expect(cut?.message).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });
});

describe('strict validation of a body with megabytes of unknown keys', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ VALIDATION_MODE: 'strict' });
  });
  afterAll(async () => {
    await harness.close();
  });

  // 50 unknown keys of 20 KB each: zod quotes every one in its message, and in the path of each
  const body = (n: number) => {
    const padding = Object.fromEntries(
      Array.from({ length: 50 }, (_, k) => [`${n}-${k}-${'k'.repeat(20_000)}`, 1]),
    );
    return JSON.stringify({ ...createFakeEvent('lead.created', undefined, { seed: n }), ...padding });
  };

  it('answers, stores and lists bounded issues', async () => {
    const ids: string[] = [];
    let answer = '';
    for (let n = 0; n < 10; n += 1) {
      const sent = body(n);
      expect(sent.length).toBeGreaterThan(1_000_000);
      const response = await fetch(`${harness.url}/webhooks/omniai`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-webhook-secret': 'current-secret-0123456789' },
        body: sent,
      });
      answer = await response.text();
      expect(response.status).toBe(400);
      expect(answer.length).toBeLessThan(20 * 1024);
      ids.push(JSON.parse(answer).id);
    }
    const { error } = JSON.parse(answer);
    expect(error.code).toBe('schema_validation_failed');
    expect(error.issues.length).toBeGreaterThan(0);
    for (const kept of error.issues) {
      expect(kept.message.length).toBeLessThanOrEqual(MAX_ISSUE_MESSAGE_CHARS);
      for (const segment of kept.path)
        expect(String(segment).length).toBeLessThanOrEqual(MAX_ISSUE_SEGMENT_CHARS);
    }

    const list = await fetch(`${harness.url}/events?limit=10`, {
      headers: { authorization: 'Bearer admin-token-0123456789abcdef' },
    });
    const listed = await list.text();
    expect(listed.length).toBeLessThan(10 * 1024);
    expect(JSON.parse(listed).events.map((event: { id: string }) => event.id)).toEqual(ids.reverse());

    // the newest event in full: its stored issues are the ones answered
    expect((await harness.admin(`/events/${ids[0]}`)).json.issues).toEqual(error.issues);
  });

  it('cuts the issues of a row stored before the bounds when it is read', async () => {
    const old = Array.from({ length: 200 }, (_, n) =>
      issue([`k${n}${'k'.repeat(20_000)}`], 'm'.repeat(20_000)),
    );
    const { id } = await harness.store.insert({
      dedupeKey: 'stored-by-an-older-version',
      type: 'lead.created',
      status: 'rejected',
      payload: '{"event":"lead.created"}',
      issues: old,
      receivedAt: new Date(),
    });
    const { json } = await harness.admin(`/events/${id}`);
    expect(JSON.stringify(json).length).toBeLessThan(20 * 1024);
    expect(json.issues.at(-1).code).toBe('too_many_issues');
  });
});
