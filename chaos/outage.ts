import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { courseKeySegment } from '../src/sinks/exports/names.js';
import { stackVar } from '../test/support/stack.js';
import { pause, stack, ChaosWorld, type Scenario, type ScenarioResult } from './support.js';

/** How long the service stays down; short, because other work shares the stack's servers. */
const DOWN_MS = 8_000;

/**
 * `service` goes down and comes back while Studio publishes: syncs fail retryably, nothing is committed
 * meanwhile, and once it is back every course is synced whole. With `exports`, each course must also end
 * with its export archive, and no half-uploaded object may remain (leaked).
 */
export function outageScenario(service: 'clickhouse' | 'postgres' | 's3' | 'kafka', name: string): Scenario {
  return {
    name,
    disruptive: true,
    async run(): Promise<ScenarioResult> {
      const world = await ChaosWorld.create({ courses: 8, partitions: 3 });
      let down = false;
      try {
        await world.startConsumer();
        const unsupervise = world.supervise();
        const keys = world.courses.map((c) => c.courseKey);
        await world.publish(keys.slice(0, 4));
        await pause(500);
        down = true;
        await stack('down', service);
        // The bus itself cannot take events while the broker is down; the other outages see a stream.
        if (service !== 'kafka') await world.publish(keys.slice(4));
        await pause(DOWN_MS);
        await stack('up', service);
        down = false;
        await world.publish(service === 'kafka' ? keys.slice(4) : keys.slice(0, 2));
        const drainedMs = await world.drained(150_000);
        let leaked: number | undefined;
        let missingExports = 0;
        if (service === 's3') ({ leaked, missingExports } = await exportsSettled(world, keys));
        unsupervise();
        const audit = await world.audit();
        return {
          sent: world.sent,
          deadLettered: await world.deadLettered(),
          skipped: 0,
          ...audit,
          lost: audit.lost + missingExports,
          drainedMs,
          ...(leaked === undefined ? {} : { leaked }),
        };
      } finally {
        // Whatever happened, the shared server comes back.
        if (down) await stack('up', service);
        await world.close();
      }
    },
  };
}

/**
 * Waits (bounded) for every course's export; counts the courses without one, and the objects in the bucket
 * that no s3_files row knows (leaked: neither served nor ever cleaned up). A pending row whose upload
 * failed while S3 was down is not a leak: it is the janitor's record of what to remove.
 */
async function exportsSettled(world: ChaosWorld, keys: string[]) {
  const deadline = Date.now() + 100_000;
  let missing = keys.length;
  while (Date.now() < deadline) {
    const rows = await world.pgRows<{ course_key: string }>('SELECT DISTINCT course_key FROM course_exports');
    const have = new Set(rows.map((r) => r.course_key));
    missing = keys.filter((k) => !have.has(k)).length;
    if (missing === 0) break;
    await pause(1_000);
  }
  const known = new Set((await world.pgRows<{ key: string }>('SELECT key FROM s3_files')).map((r) => r.key));
  let leaked = 0;
  for (const courseKey of keys) {
    const listed = await world.stores.s3.send(
      new ListObjectsV2Command({
        Bucket: stackVar('S3_BUCKET'),
        Prefix: `s3_files/courses/${courseKeySegment(courseKey)}/`,
      }),
    );
    for (const object of listed.Contents ?? []) if (object.Key && !known.has(object.Key)) leaked++;
  }
  return { missingExports: missing, leaked };
}
