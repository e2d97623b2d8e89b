import avro from 'avsc';
import { RetryableError } from '../errors.js';
import { retry, type BackoffPolicy, type Sleep } from '../backoff.js';
import { DecodeError } from './decode-error.js';

/**
 * Reads writer schemas by id from a Confluent-compatible schema registry (Confluent, Karapace, or
 * Apicurio's /apis/ccompat/v7): `GET {url}/schemas/ids/{id}`. Schemas under an id never change, so each
 * is fetched once per process; callers asking for the same id at once share one request.
 */

export interface RegisteredSchema {
  id: number;
  /** The schema as JSON, as the producer registered it. */
  schema: avro.Schema;
  type: avro.Type;
}

/** What the decoder needs from a registry; tests may pass a map-backed one. */
export interface SchemaSource {
  getSchema(id: number): Promise<RegisteredSchema>;
}

export interface SchemaRegistryOptions {
  url: string;
  auth?: { username: string; password: string };
  /** Per request, in ms. */
  timeoutMs?: number;
  retry?: BackoffPolicy;
  fetch?: typeof fetch;
  sleep?: Sleep;
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  /**
   * How long a schema id the registry said it does not know stays known-unknown: messages naming it are
   * then dead-lettered at once instead of each waiting out the retry (EVENT_BUS_UNKNOWN_SCHEMA_TTL_MS).
   */
  unknownIdTtlMs?: number;
  now?: () => number;
}

export const DEFAULT_UNKNOWN_SCHEMA_TTL_MS = 5 * 60_000;

const DEFAULT_RETRY: BackoffPolicy = { initialMs: 200, maxMs: 5_000, multiplier: 2, maxAttempts: 6 };

export class SchemaRegistryClient implements SchemaSource {
  private readonly cache = new Map<number, Promise<RegisteredSchema>>();
  /** Ids the registry answered "not found" for, with when to ask again and the error to give meanwhile. */
  private readonly unknown = new Map<number, { until: number; error: DecodeError }>();
  private readonly baseUrl: string;
  private readonly headers: Record<string, string>;

  constructor(private readonly options: SchemaRegistryOptions) {
    this.baseUrl = options.url.replace(/\/+$/, '');
    this.headers = { accept: 'application/vnd.schemaregistry.v1+json, application/json' };
    if (options.auth) {
      const token = Buffer.from(`${options.auth.username}:${options.auth.password}`, 'utf8').toString(
        'base64',
      );
      this.headers.authorization = `Basic ${token}`;
    }
  }

  getSchema(id: number): Promise<RegisteredSchema> {
    const known = this.unknown.get(id);
    if (known && this.now() < known.until) return Promise.reject(known.error);
    this.unknown.delete(id);
    let pending = this.cache.get(id);
    if (!pending) {
      pending = this.fetchWithRetry(id);
      this.cache.set(id, pending);
      // Failures are not cached: a later message with the same id tries again.
      pending.catch(() => this.cache.delete(id));
    }
    return pending;
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  private async fetchWithRetry(id: number): Promise<RegisteredSchema> {
    // "Not found" is asked about once more (a replica may lag a fresh registration), not for the full budget.
    let notFound = 0;
    try {
      return await retry(() => this.fetchOnce(id), this.options.retry ?? DEFAULT_RETRY, {
        isRetryable: (err) =>
          err instanceof SchemaNotFoundYet ? ++notFound < 2 : err instanceof RetryableError,
        onRetry: this.options.onRetry,
        sleep: this.options.sleep,
      });
    } catch (err) {
      if (err instanceof SchemaNotFoundYet) {
        // Still unknown: later messages with this id are dead-lettered at once until the TTL passes.
        const ttl = this.options.unknownIdTtlMs ?? DEFAULT_UNKNOWN_SCHEMA_TTL_MS;
        this.unknown.set(id, { until: this.now() + ttl, error: err.final });
        throw err.final;
      }
      throw err;
    }
  }

  private async fetchOnce(id: number): Promise<RegisteredSchema> {
    const url = `${this.baseUrl}/schemas/ids/${id}`;
    const doFetch = this.options.fetch ?? fetch;
    let response: Response;
    try {
      response = await doFetch(url, {
        headers: this.headers,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
    } catch (err) {
      throw new RetryableError(
        `schema registry ${this.baseUrl} unreachable while fetching schema id ${id}: ${describe(err)}`,
        {
          cause: err,
        },
      );
    }
    const body = await response.text().catch(() => '');
    if (response.status === 404 && errorCode(body) === SCHEMA_NOT_FOUND) {
      // Retried first: a registry replica may not have the schema a producer registered a moment ago.
      throw new SchemaNotFoundYet(
        new DecodeError(
          'unknown-schema-id',
          `schema id ${id} is not in the registry at ${this.baseUrl} (404); the message was produced against another ` +
            'registry, or its schema was deleted. Check EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL',
        ),
      );
    }
    if (response.status === 404) {
      throw new RetryableError(
        `schema registry ${this.baseUrl} has no schema API (404 without a registry error code): ` +
          'EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL must be the Confluent-compatible API root; events wait until it is fixed',
      );
    }
    if (!response.ok) {
      throw new RetryableError(
        `schema registry ${this.baseUrl} answered ${response.status} for schema id ${id}` +
          `${response.status === 401 || response.status === 403 ? '; check EVENT_BUS_KAFKA_SCHEMA_REGISTRY_API_KEY/SECRET' : ''}: ` +
          body.slice(0, 200),
      );
    }
    return parseSchemaResponse(id, body);
  }
}

/** Confluent's error code for "Schema not found". */
const SCHEMA_NOT_FOUND = 40403;

class SchemaNotFoundYet extends RetryableError {
  constructor(readonly final: DecodeError) {
    super(final.message);
  }
}

function errorCode(body: string): number | undefined {
  try {
    const parsed = JSON.parse(body) as { error_code?: unknown };
    return typeof parsed.error_code === 'number' ? parsed.error_code : undefined;
  } catch {
    return undefined;
  }
}

function parseSchemaResponse(id: number, body: string): RegisteredSchema {
  try {
    const parsed = JSON.parse(body) as { schema?: unknown; schemaType?: unknown };
    if (parsed.schemaType !== undefined && parsed.schemaType !== 'AVRO') {
      throw new Error(`it is a ${String(parsed.schemaType)} schema, not Avro`);
    }
    if (typeof parsed.schema !== 'string') throw new Error('the response has no "schema" string');
    const schema = JSON.parse(parsed.schema) as avro.Schema;
    return { id, schema, type: avro.Type.forSchema(schema) };
  } catch (err) {
    throw new DecodeError(
      'schema-mismatch',
      `schema id ${id} from the registry is not a usable Avro schema: ${describe(err)}`,
      {
        cause: err,
      },
    );
  }
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = err.cause instanceof Error ? ` (${err.cause.message})` : '';
    return `${err.message}${cause}`;
  }
  return String(err);
}
