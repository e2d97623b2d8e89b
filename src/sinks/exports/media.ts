/** Downloads a course's video files into its export archive, bounded in size and cancellable. */
import { Readable } from 'node:stream';
import { PermanentError, RetryableError } from '../../errors.js';

export interface MediaDownloadOptions {
  /** A video larger than this fails the build rather than filling the archive. */
  maxBytes: number;
  signal?: AbortSignal;
  fetch?: typeof globalThis.fetch;
}

/**
 * A stream of one video that starts downloading only when first read, so the zip writer fetches one
 * video at a time instead of opening every connection up front. Errors name the course and the URL.
 */
export function lazyDownload(url: string, courseKey: string, options: MediaDownloadOptions): Readable {
  const doFetch = options.fetch ?? globalThis.fetch;
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let received = 0;
  const where = `export of ${courseKey}: video ${url}`;
  return new Readable({
    async read() {
      try {
        if (!reader) {
          const res = await doFetch(url, { signal: options.signal, redirect: 'follow' });
          if (!res.ok || !res.body) {
            const msg = `${where} answered HTTP ${res.status}; check the encoding URL in the course's video settings`;
            throw res.status >= 500 || res.status === 429 ? new RetryableError(msg) : new PermanentError(msg);
          }
          const declared = Number(res.headers.get('content-length'));
          if (Number.isFinite(declared) && declared > options.maxBytes)
            throw tooLarge(where, options.maxBytes);
          reader = res.body.getReader();
        }
        const { done, value } = await reader.read();
        if (done) {
          this.push(null);
          return;
        }
        received += value.byteLength;
        if (received > options.maxBytes) throw tooLarge(where, options.maxBytes);
        this.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
      } catch (err) {
        this.destroy(
          err instanceof PermanentError || err instanceof RetryableError
            ? err
            : new RetryableError(`${where} could not be downloaded: ${(err as Error).message}`, {
                cause: err,
              }),
        );
      }
    },
    destroy(err, callback) {
      reader?.cancel().catch(() => undefined);
      callback(err);
    },
  });
}

function tooLarge(where: string, maxBytes: number): PermanentError {
  return new PermanentError(
    `${where} is larger than the ${maxBytes}-byte limit for archived videos; raise the limit or export without media`,
  );
}
