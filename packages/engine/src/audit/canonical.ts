/**
 * JSON canonicalisation after RFC 8785 (JCS) for the values events hold: object
 * keys sorted by UTF-16 code units, no whitespace, numbers and strings as ECMAScript
 * serialises them (which is what JCS prescribes). Written here, not imported,
 * because the engine depends on nothing but xstate and zod, and a verifier must be
 * able to reproduce it in a few lines. Undefined object members are left out, as
 * JSON.stringify does; it runs for every event appended, so it is a plain loop.
 */
export function canonicalize(value: unknown): string {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new Error('non-finite number cannot be canonicalised');
      return JSON.stringify(value);
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += ',';
          const v: unknown = value[i];
          out += v === undefined ? 'null' : canonicalize(v);
        }
        return out + ']';
      }
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj).sort();
      let out = '{';
      let first = true;
      for (const k of keys) {
        const v = obj[k];
        if (v === undefined) continue;
        if (!first) out += ',';
        first = false;
        out += JSON.stringify(k) + ':' + canonicalize(v);
      }
      return out + '}';
    }
    default:
      throw new Error(`${typeof value} cannot be canonicalised`);
  }
}
