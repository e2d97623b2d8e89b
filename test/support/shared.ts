import { fileURLToPath } from 'node:url';

/** The shared fixtures beside the checkout: the Open edX demo course OLX and its expected outline. */
export const SHARED_FIXTURES = fileURLToPath(new URL('../../../shared/fixtures/', import.meta.url));
export const DEMO_OLX = `${SHARED_FIXTURES}openedx-demo-course/course`;
export const DEMO_EXPECTED_TREE = `${SHARED_FIXTURES}openedx-demo-course.expected-tree.json`;
