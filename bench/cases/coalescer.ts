import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { Coalescer, type EventAck } from '../../src/bus/coalescer.js';
import type { CourseEvent } from '../../src/domain/events.js';
import type { BenchCase } from '../case.js';

const EVENTS = 100_000;
const COURSES = 1_000;
/** Events handed over between turns of the event loop, roughly one consumer batch. */
const BATCH = 1_000;

export const coalescerCase: BenchCase = {
  name: 'bus.coalesce.100k',
  description:
    'Coalescer: 100k events over 1k courses, no-op sync, debounce 0, concurrency 4, until all are acked',
  report: 'rate',
  warmup: 1,
  iterations: 7,
  async setup() {
    const events: CourseEvent[] = Array.from({ length: EVENTS }, (_, i) => ({
      kind: 'changed',
      courseKey: `course-v1:BenchX+C${i % COURSES}+2024`,
      eventId: `00000000-0000-1000-8000-${String(i).padStart(12, '0')}`,
      eventType: 'org.openedx.content_authoring.xblock.published.v1',
      time: new Date(0),
    }));
    let syncs = 0;
    return {
      work: { count: EVENTS, unit: 'events' },
      async run() {
        syncs = 0;
        let acked = 0;
        let allAcked!: () => void;
        const done = new Promise<void>((resolve) => (allAcked = resolve));
        const ack: EventAck = {
          applied: () => {
            if (++acked === EVENTS) allAcked();
          },
          deadLettered: (reason) => {
            throw new Error(`a no-op sync was dead-lettered (${reason})`);
          },
        };
        const coalescer = new Coalescer({
          run: async () => {
            syncs++;
          },
          debounceMs: 0,
          concurrency: 4,
        });
        for (let i = 0; i < EVENTS; i += BATCH) {
          for (let j = i; j < i + BATCH; j++) coalescer.submit(events[j]!, ack);
          await yieldToLoop();
        }
        await done;
      },
      note: () => `${syncs} syncs for ${EVENTS} events`,
    };
  },
};
