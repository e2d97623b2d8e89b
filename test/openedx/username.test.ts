import { describe, expect, it } from 'vitest';
import { hashUsername } from '../../src/openedx/username.js';

describe('hashUsername', () => {
  it('matches the published RIPEMD-160 test vectors', () => {
    expect(hashUsername('')).toBe('9c1185a5c5e9fc54612808977ee8f548b2258d31');
    expect(hashUsername('abc')).toBe('8eb208f7e05d987a9b044a8e98c6b087f15a0bfc');
    expect(hashUsername('message digest')).toBe('5d0689ef49d2fae572b881b123a85ffa21595f36');
  });

  it('matches Python hashlib.new("ripemd160") for a username', () => {
    expect(hashUsername('staff')).toBe('82ff0a3c93c83196186974dedfa16332393dfe28');
  });

  it('hashes the UTF-8 bytes of non-ASCII usernames, always 40 lowercase hex digits', () => {
    const hashed = hashUsername('josé');
    expect(hashed).toMatch(/^[0-9a-f]{40}$/);
    expect(hashed).not.toBe(hashUsername('jose'));
    expect(hashed).not.toBe(hashUsername('jos\u00c3\u00a9'));
  });
});
