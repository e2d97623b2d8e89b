import type { IncomingMessage } from 'node:http';

/** One answer of the test LMS, before faults are applied to it. */
export interface Reply {
  status: number;
  /** Objects are sent as JSON; strings are sent as they are (HTML pages, broken bodies). */
  body: unknown;
  headers?: Record<string, string>;
}

export const json = (status: number, body: unknown, headers?: Record<string, string>): Reply => ({
  status,
  body,
  headers,
});

/** DeveloperErrorViewMixin's error body, which both course_api views answer with. */
export const developerError = (status: number, message: string): Reply =>
  json(status, { developer_message: message });

/** The same mixin's answer for a form field that failed validation. */
export const fieldError = (field: string, message: string): Reply =>
  json(400, { field_errors: { [field]: { developer_message: message } } });

/** Django's own 404 page, for URLs no route matches. */
export const djangoNotFound = (path: string): Reply => ({
  status: 404,
  body: `<!doctype html><html><head><title>Not Found</title></head><body><h1>Not Found</h1><p>The requested resource ${path} was not found on this server.</p></body></html>`,
  headers: { 'content-type': 'text/html; charset=utf-8' },
});

/** MultiValueField: repeated and/or comma-separated values; an empty element is an error. */
export function multiValue(params: URLSearchParams, name: string): string[] | { error: string } | undefined {
  const raw = params.getAll(name);
  if (raw.length === 0) return undefined;
  const values = raw.flatMap((v) => v.split(','));
  if (values.some((v) => v.trim() === '')) return { error: 'This field cannot be empty.' };
  return values.map((v) => v.trim());
}

/** ExtendedNullBooleanField's reading of a query value. */
export function boolParam(value: string | null): boolean {
  return value !== null && ['true', 'True', '1', 'yes'].includes(value);
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const COURSE_KEY = /^(course-v1:[^/+:]+\+[^/+]+\+[^/+]+|[^/+]+\/[^/+]+\/[^/+]+)$/;

export const isCourseKey = (key: string) => COURSE_KEY.test(key);

/** The org part of a course key, which is what the Courses API's `org` filter compares. */
export function keyOrg(key: string): string {
  const match = /^course-v1:([^+]+)\+/.exec(key) ?? /^([^/]+)\//.exec(key);
  return match?.[1] ?? '';
}
