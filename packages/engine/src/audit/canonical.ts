/**
 * JSON canonicalisation after RFC 8785 (JCS) for the values events hold: object
 * keys sorted by UTF-16 code units, no whitespace, numbers and strings as ECMAScript
 * serialises them (which is what JCS prescribes). Written here, not imported,
 * because the engine depends on nothing but xstate and zod, and a verifier must be
 * able to reproduce it in a few lines. Undefined object members are left out, as
 * JSON.stringify does; it runs for every event appended, so it is a plain loop.
 */
export function canonicalize(value: unknown): string {
  if (typeof value !== 'object' || value === null) return scalarText(value);
  // One list of pieces for the whole value, joined once: a flat string, where `+=` would
  // leave a tree of partial strings for the garbage collector (and to be flattened again
  // when the text is hashed or written).
  const parts: string[] = [];
  write(value, parts);
  return parts.join('');
}

function scalarText(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new Error('non-finite number cannot be canonicalised');
      // ECMAScript Number::toString, as JSON.stringify and JCS use (-0 gives "0").
      return '' + value;
    case 'object':
      if (value === null) return 'null';
      break;
  }
  throw new Error(`${typeof value} cannot be canonicalised`);
}

function write(value: unknown, parts: string[]): void {
  if (typeof value !== 'object' || value === null) {
    parts.push(scalarText(value));
    return;
  }
  if (Array.isArray(value)) {
    parts.push('[');
    for (let i = 0; i < value.length; i++) {
      if (i > 0) parts.push(',');
      const v: unknown = value[i];
      if (v === undefined) parts.push('null');
      else write(v, parts);
    }
    parts.push(']');
    return;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  sortKeys(keys);
  parts.push('{');
  let first = true;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const v = obj[k];
    if (v === undefined) continue;
    if (!first) parts.push(',');
    first = false;
    parts.push(keyText(k));
    write(v, parts);
  }
  parts.push('}');
}

/**
 * `"key":` for a member name. Events repeat the same few dozen names, so their JSON
 * text is kept (bounded) instead of escaping each one again: verifying a store
 * canonicalises millions of events.
 */
const keyTexts = new Map<string, string>();
function keyText(k: string): string {
  let t = keyTexts.get(k);
  if (t === undefined) {
    t = JSON.stringify(k) + ':';
    if (keyTexts.size < 4096) keyTexts.set(k, t);
  }
  return t;
}

/**
 * Sorts member names by UTF-16 code units, as Array.prototype.sort does for strings.
 * Event objects have a handful of members, where an insertion sort is faster than
 * the general sort.
 */
function sortKeys(keys: string[]): void {
  const n = keys.length;
  if (n < 2) return;
  if (n > 12) {
    keys.sort();
    return;
  }
  for (let i = 1; i < n; i++) {
    const k = keys[i]!;
    let j = i - 1;
    while (j >= 0 && keys[j]! > k) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = k;
  }
}

/**
 * The canonical text of an event's data or metadata, as a store writes it. Hashing
 * an event canonicalises its data and metadata already; the texts are kept for the
 * objects (weakly), so the store's append does not serialise them a second time.
 * Stores write this text rather than JSON.stringify's so that `audit verify` can
 * hash what is stored without parsing it (see verifier.ts).
 */
const texts = new WeakMap<object, string>();
export function canonicalText(value: unknown): string {
  if (typeof value !== 'object' || value === null) return value === undefined ? 'null' : canonicalize(value);
  let t = texts.get(value);
  if (t === undefined) {
    t = canonicalize(value);
    texts.set(value, t);
  }
  return t;
}
