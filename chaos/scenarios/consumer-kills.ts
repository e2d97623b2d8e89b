import { pause, ChaosWorld, type Scenario } from '../support.js';

const CONSUMERS = 3;
const KILLS = 4;

/**
 * Several consumers of one group, SIGKILLed and restarted in turn while Studio keeps publishing: what a
 * killed member had not committed is delivered again to whoever takes its partitions, and every course
 * ends with a whole, current dump.
 */
export const scenario: Scenario = {
  name: 'consumer-kills',
  async run() {
    const world = await ChaosWorld.create({ courses: 12, partitions: 3, blocks: 120 });
    try {
      // A slower LMS keeps syncs in flight, so kills land in the middle of them.
      world.lms.slow(150);
      const members = [];
      for (let i = 0; i < CONSUMERS; i++) members.push(await world.startConsumer());
      const keys = world.courses.map((c) => c.courseKey);
      await world.publish(keys);
      for (let kill = 0; kill < KILLS; kill++) {
        await pause(2_000 + Math.random() * 2_000);
        const victim = Math.floor(Math.random() * members.length);
        await members[victim]!.kill();
        members[victim] = await world.startConsumer();
        const some = keys.filter(() => Math.random() < 0.4);
        await world.publish(some.length > 0 ? some : [keys[kill % keys.length]!]);
      }
      const drainedMs = await world.drained(150_000);
      const audit = await world.audit();
      return { sent: world.sent, deadLettered: await world.deadLettered(), skipped: 0, ...audit, drainedMs };
    } finally {
      await world.close();
    }
  },
};
