import { describe, expect, it } from 'vitest';
import type { CourseEvent } from '../../src/domain/events.js';
import { staleness } from '../../src/sync/freshness.js';
import { syntheticSnapshot } from '../support/synthetic-course.js';

const KEY = 'course-v1:SynthX+Fresh+2024';
const usage = (type: string, id: string) => `block-v1:SynthX+Fresh+2024+type@${type}+block@${id}`;
const ns = 'org.openedx.content_authoring';
const snapshot = syntheticSnapshot({ blocks: 40, courseKey: KEY });

const event = (eventType: string, extra: Partial<CourseEvent> = {}): CourseEvent =>
  ({ kind: 'changed', courseKey: KEY, eventId: 'e', eventType, time: new Date(), ...extra }) as CourseEvent;
const published = (type: string, id: string) =>
  event(`${ns}.xblock.published.v1`, { usageKey: usage(type, id) });
const deleted = (type: string, id: string) => event(`${ns}.xblock.deleted.v1`, { usageKey: usage(type, id) });
const catalog = (name: string, start = '2024-01-01T00:00:00+00:00') =>
  event(`${ns}.course.catalog_info.changed.v1`, {
    catalogInfo: {
      courseKey: KEY,
      name,
      schedule: { start, pacing: 'instructor', end: null, enrollmentStart: null, enrollmentEnd: null },
      hidden: false,
      invitationOnly: false,
    },
  });

describe('staleness of a fetched structure against the events', () => {
  it('accepts a structure that has every published block and none of the deleted ones', () => {
    expect(staleness(snapshot, [published('vertical', 's1_ss1_u1'), deleted('html', 'gone')])).toBeNull();
    expect(staleness(snapshot, [])).toBeNull();
  });

  it('calls a structure stale while a published block is missing from it', () => {
    expect(staleness(snapshot, [published('vertical', 'brand_new')])).toMatch(/published block .*brand_new/);
  });

  it('calls a structure stale while a deleted block is still in it; the last event about a block decides', () => {
    expect(staleness(snapshot, [deleted('vertical', 's1_ss1_u1')])).toMatch(/deleted block .*s1_ss1_u1/);
    expect(
      staleness(snapshot, [deleted('vertical', 's1_ss1_u1'), published('vertical', 's1_ss1_u1')]),
    ).toBeNull();
  });

  it('ignores detached blocks, which the Blocks API never returns', () => {
    expect(staleness(snapshot, [published('static_tab', 'syllabus')])).toBeNull();
  });

  it("compares the catalog event's name and start with the course root, which only a stale cache contradicts", () => {
    expect(staleness(snapshot, [catalog('Synthetic Course 40')])).toBeNull();
    expect(staleness(snapshot, [catalog('Renamed in Studio')])).toMatch(/named "Synthetic Course 40"/);
    expect(staleness(snapshot, [catalog('Synthetic Course 40', '2025-09-01T00:00:00+00:00')])).toMatch(
      /starts/,
    );
  });
});
