/**
 * Reads a JWT's claims without verifying it: the client only needs to know which user the LMS will
 * treat it as (`preferred_username`) and when it ends, and the LMS itself verifies the signature.
 * Returns undefined for anything that is not a JWT with a JSON object payload.
 */
export function decodeJwtClaims(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  try {
    const payload: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    return payload && typeof payload === 'object' && !Array.isArray(payload)
      ? (payload as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
