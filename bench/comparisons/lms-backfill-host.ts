import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TestLms } from '../../test/peers/openedx/server.js';
import { syntheticCourse } from '../../test/support/synthetic-course.js';
import { BACKFILL_SIZES, backfillCourseKey, type LmsHostReady } from './lms-peer.js';

const templateKey = (blocks: number) => `course-v1:BackfillX+T${blocks}+2024`;
const part = (key: string) => key.slice('course-v1:'.length);

/**
 * The test LMS with thousands of courses, in a process of its own: ten template courses (one per size)
 * are real synthetic courses of the test LMS, and a proxy in front of it answers for course n with the
 * answer for its template, the course key replaced. Holding thousands of distinct courses would take the
 * LMS process gigabytes; the sync cannot tell the difference, as every key in every answer is course n's.
 */
if (!process.send) {
  console.error('bench/comparisons/lms-backfill-host.ts is started by the benchmarks');
  process.exit(2);
}
const lms = await TestLms.start();
for (const blocks of BACKFILL_SIZES)
  lms.setCourse(syntheticCourse({ blocks, courseKey: templateKey(blocks) }));

/** Template answers by URL, as text: serialized once per template, not once per course. */
const answers = new Map<string, { status: number; type: string; body: string }>();
const COURSE_RE = /BackfillX(\+|%2B)C(\d+)(\+|%2B)2024/i;

const proxy = createServer((req, res) => {
  void (async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = req.url ?? '/';
    const course = COURSE_RE.exec(url);
    const size = course ? BACKFILL_SIZES[Number(course[2]) % BACKFILL_SIZES.length]! : undefined;
    const target = course ? url.replace(COURSE_RE, `BackfillX$1T${size}$32024`) : url;
    const cacheable = course !== null && req.method === 'GET';
    let answer = cacheable ? answers.get(target) : undefined;
    if (!answer) {
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter((e): e is [string, string] => typeof e[1] === 'string'),
      );
      delete headers.host;
      const upstream = await fetch(new URL(target, lms.url), {
        method: req.method,
        headers,
        ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
        redirect: 'manual',
      });
      answer = {
        status: upstream.status,
        type: upstream.headers.get('content-type') ?? 'application/json',
        body: await upstream.text(),
      };
      if (cacheable && upstream.ok) answers.set(target, answer);
    }
    const body = course
      ? answer.body.replaceAll(part(templateKey(size!)), part(backfillCourseKey(Number(course[2]))))
      : answer.body;
    res.writeHead(answer.status, { 'content-type': answer.type });
    res.end(body);
  })().catch((err: unknown) => {
    res.writeHead(502, { 'content-type': 'text/plain' });
    res.end(String(err));
  });
});
await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
const ready: LmsHostReady = {
  url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
  credentials: lms.credentials,
};
process.send(ready);
process.on('disconnect', () => {
  proxy.close();
  void lms.close().then(() => process.exit(0));
});
