/* global process, console */
// Printed at the head of `npm test` and `npm run demo`, and a guard: the machines this runs on may carry
// an older system Node, and npm scripts only run the project's own (the pinned `node` dev dependency)
// because npm puts node_modules/.bin first on PATH. Running on anything older than the supported line is a setup error.
const required = 24;
const major = Number(process.versions.node.split('.')[0]);
console.log(`node ${process.version} (${process.execPath})`);
if (major < required) {
  console.error(
    `course-sink needs Node ${required}; this is ${process.version}. Run npm ci to install the project's runtime.`,
  );
  process.exit(1);
}
