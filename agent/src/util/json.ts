/**
 * Canonical JSON: object keys sorted, bigints as decimal strings. Two equal values always serialize to the same bytes,
 * so hashes of records (state digests, intent hashes) are reproducible from the journal.
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Converts bigints to decimal strings and sorts object keys, recursively. Drops `undefined` fields. */
export function toCanonical(value: unknown): Json {
  if (value === null) return null;
  switch (typeof value) {
    case "bigint":
      return value.toString();
    case "boolean":
    case "string":
      return value;
    case "number":
      if (!Number.isFinite(value)) throw new TypeError(`cannot serialize ${value}`);
      return value;
    case "object": {
      if (Array.isArray(value)) return value.map((v) => toCanonical(v));
      const out: { [key: string]: Json } = {};
      for (const key of Object.keys(value as object).sort()) {
        const v = (value as Record<string, unknown>)[key];
        if (v === undefined) continue;
        out[key] = toCanonical(v);
      }
      return out;
    }
    default:
      throw new TypeError(`cannot serialize a ${typeof value}`);
  }
}

/** Canonical JSON text of `value`. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(toCanonical(value));
}
