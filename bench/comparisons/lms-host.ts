import { TestLms } from '../../test/peers/openedx/server.js';
import { syntheticCourse } from '../../test/support/synthetic-course.js';
import { benchCourseKey, type LmsHostReady } from './lms-peer.js';

/**
 * The test LMS serving synthetic courses of the sizes given as arguments, in a process of its own so that
 * its copy of each course and its JSON answers are not counted in the memory or CPU of the sync measured.
 */
const sizes = (process.argv[2] ?? '').split(',').filter(Boolean).map(Number);
if (!process.send || sizes.some((n) => !Number.isInteger(n) || n < 1)) {
  console.error('bench/comparisons/lms-host.ts <blocks>[,<blocks>…] is started by the benchmarks');
  process.exit(2);
}
const lms = await TestLms.start();
for (const blocks of sizes) lms.setCourse(syntheticCourse({ blocks, courseKey: benchCourseKey(blocks) }));
const ready: LmsHostReady = { url: lms.url, credentials: lms.credentials };
process.send(ready);
process.on('disconnect', () => void lms.close().then(() => process.exit(0)));
