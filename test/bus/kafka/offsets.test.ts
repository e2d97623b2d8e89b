import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OffsetTracker } from '../../../src/bus/kafka/offsets.js';

const T = 'course-catalog-info-changed';

function receiveAll(tracker: OffsetTracker, partition: number, offsets: number[]) {
  for (const o of offsets) tracker.received(T, partition, String(o));
}

describe('OffsetTracker', () => {
  it('offers nothing until the first received message is done', () => {
    const t = new OffsetTracker();
    receiveAll(t, 0, [0, 1, 2]);
    t.done(T, 0, '1');
    t.done(T, 0, '2');
    expect(t.committable()).toEqual([]);
  });

  it('commits one past the longest finished prefix when messages finish out of order', () => {
    const t = new OffsetTracker();
    receiveAll(t, 0, [0, 1, 2, 3]);
    t.done(T, 0, '2');
    t.done(T, 0, '0');
    expect(t.committable()).toEqual([{ topic: T, partition: 0, offset: '1' }]);
    t.done(T, 0, '1');
    expect(t.committable()).toEqual([{ topic: T, partition: 0, offset: '3' }]);
    t.done(T, 0, '3');
    expect(t.committable()).toEqual([{ topic: T, partition: 0, offset: '4' }]);
  });

  it('skips offset gaps it never saw (compaction, transaction markers)', () => {
    const t = new OffsetTracker();
    receiveAll(t, 0, [10, 14, 20]);
    t.done(T, 0, '10');
    t.done(T, 0, '14');
    expect(t.committable()).toEqual([{ topic: T, partition: 0, offset: '15' }]);
    t.done(T, 0, '20');
    expect(t.committable()).toEqual([{ topic: T, partition: 0, offset: '21' }]);
  });

  it('tracks partitions independently', () => {
    const t = new OffsetTracker();
    receiveAll(t, 0, [0, 1]);
    receiveAll(t, 1, [0, 1]);
    t.done(T, 1, '0');
    t.done(T, 1, '1');
    expect(t.committable()).toEqual([{ topic: T, partition: 1, offset: '2' }]);
    t.done(T, 0, '0');
    expect(t.committable()).toEqual(
      expect.arrayContaining([
        { topic: T, partition: 0, offset: '1' },
        { topic: T, partition: 1, offset: '2' },
      ]),
    );
  });

  it('does not offer an offset again once it was committed', () => {
    const t = new OffsetTracker();
    receiveAll(t, 0, [0, 1]);
    t.done(T, 0, '0');
    const first = t.committable();
    t.markCommitted(first);
    expect(t.committable()).toEqual([]);
    t.done(T, 0, '1');
    expect(t.committable()).toEqual([{ topic: T, partition: 0, offset: '2' }]);
  });

  it('commits nothing for a revoked partition, even when its in-flight messages finish later', () => {
    const t = new OffsetTracker();
    receiveAll(t, 0, [0, 1]);
    t.revokeAll();
    // After the rejoin this member owns only partition 1.
    receiveAll(t, 1, [5]);
    t.done(T, 0, '0');
    t.done(T, 0, '1');
    t.done(T, 1, '5');
    expect(t.committable()).toEqual([{ topic: T, partition: 1, offset: '6' }]);
    expect(t.assigned()).toEqual([{ topic: T, partition: 1 }]);
  });

  it('starts over cleanly when a revoked partition is assigned again and redelivered', () => {
    const t = new OffsetTracker();
    receiveAll(t, 0, [0, 1, 2]);
    t.done(T, 0, '0');
    t.markCommitted(t.committable());
    t.revokeAll();
    receiveAll(t, 0, [1, 2]);
    t.done(T, 0, '2');
    expect(t.committable()).toEqual([]);
    t.done(T, 0, '1');
    expect(t.committable()).toEqual([{ topic: T, partition: 0, offset: '3' }]);
  });

  it('ignores acknowledgements of offsets it does not track', () => {
    const t = new OffsetTracker();
    receiveAll(t, 0, [3]);
    t.done(T, 0, '2');
    t.done(T, 7, '0');
    expect(t.committable()).toEqual([]);
    expect(t.outstanding()).toBe(1);
  });

  it('counts outstanding messages for backpressure', () => {
    const t = new OffsetTracker();
    receiveAll(t, 0, [0, 1, 2]);
    receiveAll(t, 1, [0]);
    t.done(T, 0, '1');
    expect(t.outstanding()).toBe(3);
    t.done(T, 0, '0');
    expect(t.outstanding()).toBe(2);
  });

  it('keeps exact bookkeeping across long runs of in-order completion', () => {
    const t = new OffsetTracker();
    receiveAll(
      t,
      0,
      Array.from({ length: 5_000 }, (_, i) => i),
    );
    for (let i = 0; i < 3_000; i++) t.done(T, 0, String(i));
    expect(t.committable()).toEqual([{ topic: T, partition: 0, offset: '3000' }]);
    t.done(T, 0, '4999');
    t.done(T, 0, '2999');
    expect(t.outstanding()).toBe(1_999);
    for (let i = 3_000; i < 4_999; i++) t.done(T, 0, String(i));
    expect(t.committable()).toEqual([{ topic: T, partition: 0, offset: '5000' }]);
    expect(t.outstanding()).toBe(0);
  });

  it('handles offsets beyond 2^53', () => {
    const t = new OffsetTracker();
    t.received(T, 0, '9007199254740993');
    t.done(T, 0, '9007199254740993');
    expect(t.committable()).toEqual([{ topic: T, partition: 0, offset: '9007199254740994' }]);
  });

  it('never commits past a message that is not done, whatever the completion order', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.nat(1_000), { minLength: 1, maxLength: 60 }),
        fc.func(fc.boolean()),
        fc.integer(),
        (raw, isDone, seed) => {
          const offsets = [...raw].sort((a, b) => a - b);
          const done = offsets.filter((o) => isDone(o));
          const order = [...done].sort((a, b) => ((a * 7919 + seed) % 101) - ((b * 7919 + seed) % 101));
          const t = new OffsetTracker();
          receiveAll(t, 0, offsets);
          for (const o of order) t.done(T, 0, String(o));
          const firstNotDone = offsets.find((o) => !done.includes(o));
          const lastDone =
            firstNotDone === undefined
              ? offsets[offsets.length - 1]!
              : offsets[offsets.indexOf(firstNotDone) - 1];
          const expected =
            lastDone === undefined ? [] : [{ topic: T, partition: 0, offset: String(lastDone + 1) }];
          expect(t.committable()).toEqual(expected);
        },
      ),
    );
  });
});
