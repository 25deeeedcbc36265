import { createSignatureHeaders } from '@omni-webhooks/contract';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type InboxStore, UnstorableEventError } from '../store/inbox-store.js';
import { createSqliteInboxStore } from '../store/sqlite/sqlite-inbox-store.js';
import { defaultDedupeKey } from './dedupe-key.js';
import { type IngestSettings, ingestDelivery } from './ingest-delivery.js';
import { INGEST_RESPONSES } from './ingest-responses.js';

const secret = 'ingest-secret';
// lead.* events carry no timestamp: the same edit made twice is the same body
const body = Buffer.from(
  '{"event":"lead.updated","data":{"leadId":"l1","externalId":"x1","email":"a@example.com"}}',
);

describe('ingestDelivery: the body-hash dedupe window', () => {
  let store: InboxStore;
  let clock = new Date('2026-01-01T00:00:00.000Z');
  const after = (ms: number) => {
    clock = new Date(clock.getTime() + ms);
  };
  let settings: IngestSettings;

  beforeEach(async () => {
    store = createSqliteInboxStore({ filename: ':memory:' });
    await store.migrate();
    settings = {
      store,
      validationMode: 'lenient',
      dedupeKey: defaultDedupeKey,
      dedupeWindowMs: 3_600_000,
      now: () => clock,
    };
  });
  afterEach(() => store.close());

  const deliver = (headers: Record<string, string> = {}) =>
    ingestDelivery(settings, {
      headers: { 'content-type': 'application/json', 'x-webhook-secret': secret, ...headers },
      rawBody: body,
    });

  it('counts a retry within the window, and stores the same body after it as a new event', async () => {
    const first = await deliver();
    after(7.5 * 60_000);
    expect(await deliver()).toMatchObject({ code: 'duplicate', id: 'id' in first ? first.id : '' });
    after(3_600_000);
    const second = await deliver();
    expect(second).toMatchObject({ code: 'accepted', deliveryCount: 1 });
    expect('id' in second && 'id' in first && second.id !== first.id).toBe(true);
  });

  it('counts a signed delivery replayed without its webhook-* headers as a duplicate, within the window', async () => {
    const signed = createSignatureHeaders({ secret, body, id: 'msg_stripped' });
    const first = await deliver(signed);
    expect(first).toMatchObject({ code: 'accepted' });
    after(10 * 60_000);
    // the capture with its webhook-* headers stripped: another key, the same body
    expect(await deliver()).toMatchObject({ code: 'duplicate', id: 'id' in first ? first.id : '' });
    // and the other way round: stored unsigned first, then the same body under a new webhook-id
    const unsigned = Buffer.from('{"event":"lead.created","data":{"leadId":"l2"}}');
    const plain = await ingestDelivery(settings, { headers: {}, rawBody: unsigned });
    const resigned = await ingestDelivery(settings, {
      headers: createSignatureHeaders({ secret, body: unsigned, id: 'msg_later' }),
      rawBody: unsigned,
    });
    expect(resigned).toMatchObject({ code: 'duplicate', id: 'id' in plain ? plain.id : '' });
  });

  it('keeps a webhook-id key for ever', async () => {
    const signed = () => createSignatureHeaders({ secret, body, id: 'msg_1' });
    const first = await deliver(signed());
    after(24 * 3_600_000);
    expect(await deliver(signed())).toMatchObject({ code: 'duplicate', id: 'id' in first ? first.id : '' });
  });
});

describe('ingestDelivery: values the store cannot keep', () => {
  const deliverTo = (store: InboxStore, dedupeKey: IngestSettings['dedupeKey'] = defaultDedupeKey) =>
    ingestDelivery(
      {
        store,
        validationMode: 'lenient',
        dedupeKey,
      },
      { headers: { 'content-type': 'application/json', 'x-webhook-secret': secret }, rawBody: body },
    );

  it('answers an event the store refuses as data with unstorable_event, not a 503 to retry', async () => {
    const store = createSqliteInboxStore({ filename: ':memory:' });
    await store.migrate();
    const refusing: InboxStore = {
      ...store,
      insert: async () => {
        throw new UnstorableEventError('value too large for its column');
      },
    };
    expect(await deliverTo(refusing)).toMatchObject({ code: 'unstorable_event' });
    expect(INGEST_RESPONSES.unstorable_event.status).toBe(400);
    await store.close();
  });

  it('refuses a custom key holding U+0000 as a key failure, storing nothing', async () => {
    const store = createSqliteInboxStore({ filename: ':memory:' });
    await store.migrate();
    expect(await deliverTo(store, () => 'custom:\u0000')).toMatchObject({ code: 'dedupe_key_failed' });
    expect((await store.list({ limit: 10 })).events).toEqual([]);
    await store.close();
  });
});
