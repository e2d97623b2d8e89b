import { createHash } from 'node:crypto';

/**
 * Anonymized usernames: the 40-hex-digit RIPEMD-160 of the UTF-8 username, the hash MOOCdb tooling
 * (apipe's edxTrackLogJSONParser, `hashlib.new('ripemd160')`) uses, so our rows join with theirs.
 */
export function hashUsername(username: string): string {
  return createHash('ripemd160').update(username, 'utf8').digest('hex');
}
