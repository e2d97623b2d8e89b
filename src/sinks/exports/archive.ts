import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import JSZip from 'jszip';
import type { ArchiveEntry } from './layout.js';

/** A fixed date for every entry, so the same layout and media give the same zip bytes. */
const ENTRY_DATE = new Date(Date.UTC(2000, 0, 1));

/**
 * The archive as a stream: jszip reads each entry (media lazily, one at a time) and emits deflated bytes as
 * they are produced, so memory holds a few chunks, never the whole archive. A failing media stream fails
 * the archive stream.
 */
export function archiveStream(entries: ArchiveEntry[], openMedia: (url: string) => Readable): Readable {
  const zip = new JSZip();
  for (const entry of entries) {
    if ('text' in entry) {
      zip.file(entry.path, entry.text, { date: ENTRY_DATE, createFolders: false });
    } else {
      // Video is already compressed: deflating it again costs CPU (jszip's deflate is pure JavaScript) for no gain.
      zip.file(entry.path, openMedia(entry.mediaUrl), {
        date: ENTRY_DATE,
        createFolders: false,
        compression: 'STORE',
      });
    }
  }
  return zip.generateNodeStream({
    type: 'nodebuffer',
    streamFiles: true,
    compression: 'DEFLATE',
    compressionOptions: { level: 6 },
    platform: 'UNIX',
  }) as unknown as Readable;
}

/** A pass-through that computes the sha512 and size of the bytes flowing to the store. */
export class DigestingStream extends Transform {
  private readonly hash = createHash('sha512');
  size = 0;

  override _transform(
    chunk: Buffer,
    _enc: BufferEncoding,
    callback: (err?: Error | null, data?: Buffer) => void,
  ) {
    this.hash.update(chunk);
    this.size += chunk.length;
    callback(null, chunk);
  }

  /** Valid once the stream has ended. */
  digest(): string {
    return this.hash.digest('hex');
  }
}
