/**
 * JSON canonicalisation after RFC 8785 (JCS) for the values events hold: object
 * keys sorted by UTF-16 code units, no whitespace, numbers and strings as ECMAScript
 * serialises them (which is what JCS prescribes). Written here, not imported,
 * because the engine depends on nothing but xstate and zod, and a verifier must be
 * able to reproduce it in a few lines.
 */
export function canonicalize(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new Error('non-finite number cannot be canonicalised');
    if (value === undefined) throw new Error('undefined cannot be canonicalised');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalize(v))).join(',')}]`;
  const entries = Object.keys(value)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalize((value as Record<string, unknown>)[k])}`);
  return `{${entries.join(',')}}`;
}
