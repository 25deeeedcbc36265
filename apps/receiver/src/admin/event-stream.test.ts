import { connect } from 'node:net';
import { createFakeEvent } from '@omni-webhooks/schema/fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, type Harness, SECRETS, startHarness } from '../test-support/receiver-harness.js';

interface Frame {
  id?: string;
  event?: string;
  data?: string;
}

/** reads SSE frames from a stream until `count` deliveries came, or the stream ends */
async function readFrames(response: Response, count: number): Promise<Frame[]> {
  const frames: Frame[] = [];
  const decoder = new TextDecoder();
  let buffered = '';
  const reader = response.body?.getReader();
  if (!reader) throw new Error('no body');
  while (frames.length < count) {
    const { done, value } = await reader.read();
    if (done) break;
    buffered += decoder.decode(value, { stream: true });
    let end = buffered.indexOf('\n\n');
    while (end !== -1) {
      const block = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      const frame: Frame = {};
      for (const line of block.split('\n')) {
        const colon = line.indexOf(':');
        if (colon <= 0) continue;
        const field = line.slice(0, colon) as keyof Frame;
        frame[field] = line.slice(colon + 1).replace(/^ /, '');
      }
      if (frame.event === 'delivery') frames.push(frame);
      end = buffered.indexOf('\n\n');
    }
  }
  await reader.cancel();
  return frames;
}

function subscribe(harness: Harness, query = '', headers: Record<string, string> = {}) {
  return fetch(`${harness.url}/events/stream${query}`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...headers },
  });
}

let harness: Harness;
let seed = 1;
const body = () =>
  // the spacing and key order are part of the bytes the stream must keep
  `{ "event":"lead.created",\n  "data": ${JSON.stringify(createFakeEvent('lead.created', undefined, { seed: seed++ }).data)} }`;

beforeAll(async () => {
  harness = await startHarness({ MAX_EVENT_STREAMS: '2' });
});
afterAll(async () => {
  await harness.close();
});

describe('GET /events/stream', () => {
  it('needs the admin token', async () => {
    const response = await fetch(`${harness.url}/events/stream`);
    expect(response.status).toBe(401);
    const wrong = await subscribe(harness, '', { authorization: 'Bearer wrong-token-0123456789' });
    expect(wrong.status).toBe(401);
  });

  it('sends each stored delivery as it is stored: raw body byte for byte, headers without credentials', async () => {
    const response = await subscribe(harness);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const sent = [body(), body()];
    const reading = readFrames(response, 2);
    for (const text of sent) {
      expect(
        (await harness.post(text, { 'x-request-id': `req_${seed}`, 'user-agent': 'OmniAI/1' })).status,
      ).toBe(200);
    }
    // a duplicate makes no new frame
    expect((await harness.post(sent[0] as string)).json.status).toBe('duplicate');
    const frames = await reading;
    const data = frames.map((frame) => JSON.parse(frame.data ?? '{}'));
    expect(data.map((event) => event.body)).toEqual(sent);
    expect(data[0]).toMatchObject({
      type: 'lead.created',
      status: expect.any(String),
      receivedAt: expect.any(String),
    });
    expect(data[0].headers['user-agent']).toBe('OmniAI/1');
    expect(data[0].headers['x-request-id']).toMatch(/^req_/);
    expect(JSON.stringify(data)).not.toContain(SECRETS[0]);
    expect(data[0].headers).not.toHaveProperty('x-webhook-secret');
  });

  it('resumes after Last-Event-ID with nothing lost or repeated, and from ?after= an event id', async () => {
    const first = await subscribe(harness);
    const reading = readFrames(first, 1);
    await harness.post(body());
    const [seen] = await reading;
    // stored while no one listened
    const missed = [body(), body(), body()];
    for (const text of missed) await harness.post(text);
    const resumed = await subscribe(harness, '', { 'last-event-id': seen?.id ?? '' });
    const frames = await readFrames(resumed, 3);
    expect(frames.map((frame) => JSON.parse(frame.data ?? '{}').body)).toEqual(missed);
    const firstMissed = JSON.parse(frames[0]?.data ?? '{}').id;
    const byId = await subscribe(harness, `?after=${firstMissed}`);
    expect((await readFrames(byId, 2)).map((frame) => JSON.parse(frame.data ?? '{}').body)).toEqual(
      missed.slice(1),
    );
    expect((await subscribe(harness, '?after=00000000-0000-7000-8000-000000000000')).status).toBe(404);
    expect((await subscribe(harness, '?since=yesterday')).status).toBe(400);
  });

  it('answers 503 past MAX_EVENT_STREAMS', async () => {
    const open = [await subscribe(harness), await subscribe(harness)];
    expect(open.map((response) => response.status)).toEqual([200, 200]);
    const third = await subscribe(harness);
    expect(third.status).toBe(503);
    expect(((await third.json()) as { error: { code: string } }).error.code).toBe('too_many_streams');
    for (const response of open) await response.body?.cancel();
    await expect.poll(() => harness.eventStreams.size).toBe(0);
    expect((await subscribe(harness)).status).toBe(200);
  });

  it('drops a subscriber that stops reading once too much is queued for it', async () => {
    await expect.poll(() => harness.eventStreams.size, { timeout: 5000 }).toBeLessThanOrEqual(1);
    const before = harness.eventStreams.size;
    const { port } = new URL(harness.url);
    const socket = connect(Number(port), '127.0.0.1');
    socket.write(`GET /events/stream HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${ADMIN_TOKEN}\r\n\r\n`);
    socket.pause();
    await expect.poll(() => harness.eventStreams.size).toBe(before + 1);
    const big = JSON.stringify({ event: 'lead.created', data: { note: 'x'.repeat(200_000) } });
    // about 12 MB for a client that reads nothing: past the 1 MiB bound once the socket buffers fill
    for (let i = 0; i < 60 && harness.eventStreams.size > before; i += 1) {
      await harness.post(big.replace('"note"', `"n${i}":1,"note"`));
    }
    await expect.poll(() => harness.eventStreams.size, { timeout: 10_000 }).toBe(before);
    socket.destroy();
  });
});
