import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const majors = ['19', '20', '21', '22'];

// The plugin's own tests are pytest (tutor/tests), run once per Tutor major by scripts/tutor-test in cached
// virtualenvs; this runs them inside the integration project because one of them needs the stack's servers.
describe('tutor-contrib-course-sink', () => {
  it(
    'passes its tests under every supported Tutor major, with and without Aspects in either order',
    async () => {
      const { stdout } = await run(path.join(root, 'scripts/tutor-test'), majors, {
        cwd: root,
        timeout: 40 * 60_000,
        maxBuffer: 64 * 1024 * 1024,
      }).catch((err: { stdout?: string; stderr?: string; message: string }) => {
        throw new Error(`scripts/tutor-test failed:\n${err.stdout ?? ''}\n${err.stderr ?? err.message}`);
      });
      console.log(stdout.trim());
      for (const major of majors) {
        expect(stdout).toMatch(new RegExp(`^tutor ${major}: \\d+ passed in `, 'm'));
      }
    },
    40 * 60_000,
  );
});
