import { randomBytes } from 'node:crypto';
import { json, readBody, type Reply } from './http.js';
import type { IncomingMessage } from 'node:http';

export interface Credentials {
  clientId: string;
  clientSecret: string;
  /** The LMS user the OAuth application belongs to: the JWT's `preferred_username`. */
  username: string;
  tokenTtlSeconds: number;
}

interface Issued {
  username: string;
  expiresAt: number;
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * The LMS's `/oauth2/access_token` for client credentials, and the check the API views make on the
 * `Authorization` header. Tokens are well-formed JWTs whose signature is not meant to be verified.
 */
export class TokenIssuer {
  private readonly issued = new Map<string, Issued>();

  constructor(
    private readonly creds: Credentials,
    private readonly issuer: () => string,
  ) {}

  async issue(req: IncomingMessage): Promise<Reply> {
    if (req.method !== 'POST') return json(405, { detail: `Method "${req.method}" not allowed.` });
    const form = new URLSearchParams(await readBody(req));
    let clientId = form.get('client_id');
    let clientSecret = form.get('client_secret');
    const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? '');
    if (basic?.[1]) {
      const [id, secret] = Buffer.from(basic[1], 'base64').toString('utf8').split(':');
      clientId = decodeURIComponent(id ?? '');
      clientSecret = decodeURIComponent(secret ?? '');
    }
    if (form.get('grant_type') !== 'client_credentials')
      return json(400, { error: 'unsupported_grant_type' });
    if (clientId !== this.creds.clientId || clientSecret !== this.creds.clientSecret) {
      return json(401, { error: 'invalid_client' });
    }
    const tokenType = (form.get('token_type') ?? req.headers['x-token-type'] ?? '').toString().toLowerCase();
    const now = Math.floor(Date.now() / 1000);
    const exp = now + this.creds.tokenTtlSeconds;
    if (tokenType !== 'jwt') {
      const opaque = randomBytes(15).toString('hex');
      this.issued.set(opaque, { username: this.creds.username, expiresAt: exp });
      return json(200, {
        access_token: opaque,
        token_type: 'Bearer',
        expires_in: this.creds.tokenTtlSeconds,
        scope: 'read write email profile',
      });
    }
    const claims = {
      aud: 'lms-key',
      exp,
      grant_type: 'client_credentials',
      iat: now,
      iss: `${this.issuer()}/oauth2`,
      preferred_username: this.creds.username,
      scopes: ['read', 'write', 'email', 'profile'],
      version: '1.2.0',
      sub: randomBytes(16).toString('hex'),
      filters: [],
      is_restricted: false,
      email_verified: true,
      administrator: true,
      // Distinguishes tokens issued within the same second.
      jti: randomBytes(8).toString('hex'),
    };
    const token = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims)}.`;
    this.issued.set(token, { username: this.creds.username, expiresAt: exp });
    return json(200, {
      access_token: token,
      token_type: 'JWT',
      expires_in: this.creds.tokenTtlSeconds,
      scope: claims.scopes.join(' '),
    });
  }

  /** The user a request authenticates as, or the 401 the LMS would answer. */
  authenticate(req: IncomingMessage): { username: string } | Reply {
    const header = req.headers.authorization;
    if (!header) return json(401, { developer_message: 'Authentication credentials were not provided.' });
    const match = /^(JWT|Bearer)\s+(\S+)$/i.exec(header);
    const isJwt = match?.[1]?.toUpperCase() === 'JWT';
    const found = match?.[2] ? this.issued.get(match[2]) : undefined;
    if (!found || isJwt !== match?.[2]?.includes('.')) {
      return json(401, {
        developer_message: isJwt ? 'Error decoding signature.' : 'Invalid token.',
      });
    }
    if (found.expiresAt <= Date.now() / 1000) {
      return json(401, { developer_message: isJwt ? 'Signature has expired.' : 'Invalid token.' });
    }
    return { username: found.username };
  }

  /** As if the LMS rotated its signing keys: every token issued so far is rejected. */
  revokeAll(): void {
    this.issued.clear();
  }
}
