/**
 * OAuth2 client-credentials JWTs for the LMS: fetched once, shared by concurrent requests, refreshed before
 * expiry.
 */
import { z } from 'zod';
import { LmsAuthError, LmsMalformedResponseError, errorForStatus, lmsMessage } from './errors.js';
import { decodeJwtClaims } from './jwt.js';
import type { LmsTransport } from './transport.js';

export interface AccessToken {
  /** The JWT itself; never logged. */
  value: string;
  /** Epoch ms after which the token is no longer used (already shortened by the safety margin). */
  refreshAt: number;
  /** The LMS user the token acts as (JWT `preferred_username`), when the token says. */
  username?: string;
}

export interface TokenSourceOptions {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  transport: LmsTransport;
  now: () => number;
  /** How long before `expires_in` ends a token is replaced; halved for tokens shorter than twice this. */
  expiryMarginMs?: number;
}

const TokenResponseSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string(),
  expires_in: z.number().positive(),
  scope: z.string().optional(),
});

export const TOKEN_PATH = '/oauth2/access_token';

/**
 * OAuth2 client credentials for a JWT, the way Open edX services authenticate to each other.
 * One token is cached and shared; callers arriving while it is being fetched wait for the same request.
 */
export class TokenSource {
  private current?: AccessToken;
  private pending?: Promise<AccessToken>;
  private readonly marginMs: number;

  constructor(private readonly opts: TokenSourceOptions) {
    this.marginMs = opts.expiryMarginMs ?? 30_000;
  }

  async get(): Promise<AccessToken> {
    if (this.current && this.opts.now() < this.current.refreshAt) return this.current;
    this.pending ??= this.fetchToken().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /** Drops the token after the LMS rejected it; a token already replaced by another caller is kept. */
  invalidate(rejected?: AccessToken): void {
    if (!rejected || this.current?.value === rejected.value) this.current = undefined;
  }

  private async fetchToken(): Promise<AccessToken> {
    const url = new URL(TOKEN_PATH, this.opts.baseUrl + '/');
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: this.opts.clientId,
      client_secret: this.opts.clientSecret,
      token_type: 'jwt',
    }).toString();
    const requestedAt = this.opts.now();
    const res = await this.opts.transport.send({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    const ctx = { method: 'POST', path: url.pathname, status: res.status };
    if (res.status === 400 || res.status === 401) {
      throw new LmsAuthError(
        ctx,
        `LMS refused the OAuth client credentials (${res.status}: ${lmsMessage(res.body)})`,
        'check LMS_OAUTH_CLIENT_ID and LMS_OAUTH_CLIENT_SECRET against an enabled client-credentials application in the LMS admin',
      );
    }
    if (res.status < 200 || res.status >= 300) throw errorForStatus(ctx, res.body);
    const parsed = TokenResponseSchema.safeParse(safeJson(res.body));
    if (!parsed.success) {
      throw new LmsMalformedResponseError(
        ctx,
        'LMS token response is not an OAuth access token',
        'check that LMS_BASE_URL points at the LMS itself',
      );
    }
    const { access_token, token_type, expires_in } = parsed.data;
    if (token_type.toLowerCase() !== 'jwt') {
      throw new LmsAuthError(
        ctx,
        `LMS issued a ${token_type} token instead of a JWT`,
        'use an LMS that supports token_type=jwt on /oauth2/access_token (any supported Open edX release)',
      );
    }
    const lifetimeMs = expires_in * 1000;
    const margin = Math.min(this.marginMs, lifetimeMs / 2);
    const claims = decodeJwtClaims(access_token);
    const username = typeof claims?.preferred_username === 'string' ? claims.preferred_username : undefined;
    this.current = { value: access_token, refreshAt: requestedAt + lifetimeMs - margin, username };
    return this.current;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
