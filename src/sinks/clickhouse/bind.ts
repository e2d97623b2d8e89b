/**
 * Binds values into this sink's queries on every server it meets: as query parameters where the server has
 * them, as escaped literals on Debian's 18.16, which predates them.
 */

import { quoteString } from './identifiers.js';

export type BindValue = string | string[];

export interface BoundQuery {
  query: string;
  query_params?: Record<string, BindValue>;
}

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*):(String|UUID|Array\(String\))\}/g;

/**
 * Queries are written once with `{name:Type}` placeholders. Servers since 19.11 get them as real
 * query parameters; older ones (Debian's 18.16) reject `param_*`, so there the values are inlined as
 * escaped literals of the same type. Only String, UUID and Array(String) occur in this sink.
 */
export function bind(query: string, params: Record<string, BindValue>, queryParams: boolean): BoundQuery {
  if (queryParams) return { query, query_params: params };
  return {
    query: query.replace(PLACEHOLDER, (_whole, name: string, type: string) => {
      const value = params[name];
      if (value === undefined) throw new Error(`no value bound for {${name}:${type}}`);
      if (type === 'Array(String)') {
        if (!Array.isArray(value)) throw new Error(`{${name}} needs an array`);
        return `[${value.map(quoteString).join(', ')}]`;
      }
      if (Array.isArray(value)) throw new Error(`{${name}} needs a single value`);
      return type === 'UUID' ? `toUUID(${quoteString(value)})` : quoteString(value);
    }),
  };
}
