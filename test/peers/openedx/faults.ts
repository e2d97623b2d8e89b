import { json, type Reply } from './http.js';

export interface FailSpec {
  status: number;
  /** How many matching requests fail before the route recovers; 1 unless told. */
  times?: number;
  /** Sent as Retry-After: seconds, or an HTTP date string. Omitted when unset, as the LMS often does. */
  retryAfter?: number | string;
  /** Replaces the body the LMS would send for this status. */
  body?: unknown;
}

/** How a 200 body is broken: valid JSON of another shape, an HTML page, or JSON cut short. */
export type MalformedKind = 'shape' | 'html' | 'truncated';

function defaultBody(status: number, retryAfter: FailSpec['retryAfter']): Reply {
  if (status === 401) return json(401, { developer_message: 'Signature has expired.' });
  if (status === 403)
    return json(403, { developer_message: 'You do not have permission to perform this action.' });
  if (status === 404) return json(404, { developer_message: 'Not found.' });
  if (status === 429) {
    const wait = typeof retryAfter === 'number' ? ` Expected available in ${retryAfter} seconds.` : '';
    return json(429, { developer_message: `Request was throttled.${wait}` });
  }
  if (status >= 500) {
    const page =
      status === 500
        ? '<h1>Server Error (500)</h1>'
        : `<html><body><center><h1>${status}</h1></center><hr><center>nginx</center></body></html>`;
    return { status, body: page, headers: { 'content-type': 'text/html' } };
  }
  return json(status, { developer_message: `Failure ${status} injected by the test LMS.` });
}

/** Failure switches a test sets on the test LMS, matched by path prefix. */
export class Faults {
  private failures: Array<{ prefix: string; spec: FailSpec; remaining: number }> = [];
  private delays: Array<{ prefix: string; ms: number }> = [];
  private broken = new Map<string, MalformedKind>();

  failNext(prefix: string, spec: FailSpec): void {
    this.failures.push({ prefix, spec, remaining: spec.times ?? 1 });
  }

  slow(ms: number, prefix = '/'): void {
    this.delays = this.delays.filter((d) => d.prefix !== prefix);
    if (ms > 0) this.delays.push({ prefix, ms });
  }

  malformed(prefix: string, kind: MalformedKind = 'shape'): void {
    this.broken.set(prefix, kind);
  }

  reset(): void {
    this.failures = [];
    this.delays = [];
    this.broken.clear();
  }

  delayFor(path: string): number {
    return Math.max(0, ...this.delays.filter((d) => path.startsWith(d.prefix)).map((d) => d.ms));
  }

  /** The injected failure for this request, if one is still armed; consumes one use of it. */
  takeFailure(path: string): Reply | undefined {
    const armed = this.failures.find((f) => f.remaining > 0 && path.startsWith(f.prefix));
    if (!armed) return undefined;
    armed.remaining -= 1;
    const { status, retryAfter, body } = armed.spec;
    const reply = defaultBody(status, retryAfter);
    if (body !== undefined) reply.body = body;
    if (retryAfter !== undefined) reply.headers = { ...reply.headers, 'retry-after': String(retryAfter) };
    return reply;
  }

  /** Breaks a successful reply when its path was marked malformed. */
  spoil(path: string, reply: Reply): Reply {
    if (reply.status < 200 || reply.status >= 300) return reply;
    const kind = [...this.broken.entries()].find(([prefix]) => path.startsWith(prefix))?.[1];
    if (kind === 'shape') return json(reply.status, { data: reply.body });
    if (kind === 'html') {
      return {
        status: reply.status,
        body: '<html><body>Sign in</body></html>',
        headers: { 'content-type': 'text/html' },
      };
    }
    if (kind === 'truncated') {
      const text = JSON.stringify(reply.body);
      return {
        status: reply.status,
        body: text.slice(0, Math.floor(text.length / 2)),
        headers: { 'content-type': 'application/json' },
      };
    }
    return reply;
  }
}
