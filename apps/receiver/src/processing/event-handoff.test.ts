import { describe, expect, it } from 'vitest';
import type { ClaimedEvent, InsertResult } from '../store/inbox-store.js';
import { createEventHandoff } from './event-handoff.js';

function inserted(id: string, leased: boolean): InsertResult {
  const claimed: ClaimedEvent = {
    id,
    type: 'lead.created',
    payload: '{}',
    handlerAttempts: 1,
    leaseToken: `t-${id}`,
  };
  return {
    id,
    duplicate: false,
    deliveryCount: 1,
    status: 'received',
    promoted: false,
    ...(leased ? { claimed } : {}),
  };
}

function handoff(capacity: number) {
  const adopted: string[] = [];
  let woken = 0;
  const hand = createEventHandoff({
    capacity,
    leaseMs: 5000,
    adopt: (claimed) => {
      adopted.push(claimed.id);
      return `lease ${claimed.id}`;
    },
    onWaiting: () => {
      woken += 1;
    },
  });
  return { hand, adopted, woken: () => woken };
}

describe('event hand-off', () => {
  it('gives no slot while closed', () => {
    const { hand } = handoff(2);
    expect(hand.reserve()).toBeUndefined();
    hand.open();
    expect(hand.reserve()?.leaseMs).toBe(5000);
  });

  it('queues leased events oldest first, adopting each as it starts to wait', () => {
    const { hand, adopted, woken } = handoff(4);
    hand.open();
    const first = hand.reserve();
    const second = hand.reserve();
    second?.settle(inserted('b', true));
    first?.settle(inserted('a', true));
    expect(adopted).toEqual(['b', 'a']);
    expect(woken()).toBe(2);
    expect(hand.waiting).toBe(2);
    expect(hand.take()).toMatchObject({ claimed: { id: 'b' }, lease: 'lease b', event: undefined });
    expect(hand.take()?.claimed.id).toBe('a');
    expect(hand.take()).toBeUndefined();
  });

  it('counts reserved slots and waiting events against the capacity; a slot without a lease is freed', () => {
    const { hand, adopted } = handoff(2);
    hand.open();
    const leased = hand.reserve();
    const unleased = hand.reserve();
    expect(hand.reserve()).toBeUndefined();
    leased?.settle(inserted('a', true));
    unleased?.settle(inserted('b', false));
    expect(adopted).toEqual(['a']);
    // one waiting, one free
    expect(hand.reserve()).toBeDefined();
    expect(hand.reserve()).toBeUndefined();
  });

  it('settles a slot once', () => {
    const { hand, adopted } = handoff(1);
    hand.open();
    const slot = hand.reserve();
    slot?.settle(undefined);
    slot?.settle(inserted('a', true));
    expect(adopted).toEqual([]);
    expect(hand.reserve()).toBeDefined();
  });

  it('hands back the waiting events when closed, and adopts none settled after', () => {
    const { hand, adopted } = handoff(4);
    hand.open();
    const late = hand.reserve();
    hand.reserve()?.settle(inserted('a', true));
    const dropped = hand.close();
    expect(dropped.map((waiting) => waiting.claimed.id)).toEqual(['a']);
    expect(hand.waiting).toBe(0);
    late?.settle(inserted('b', true));
    expect(adopted).toEqual(['a']);
    expect(hand.reserve()).toBeUndefined();
  });
});
