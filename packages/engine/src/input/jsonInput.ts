/**
 * Bounds on JSON that comes in from outside (an HTTP body, a decision on the bus), checked
 * before anything is stored: events keep their data for ever, later events copy parts of
 * it (a department's output travels on to the next tasks), hashing walks it, and every
 * store must be able to hold it. So JSON input is refused, with the path of the value, when
 *  - objects and arrays nest deeper than `depth` (the outermost counts 1);
 *  - a member name is longer than `nameLength`, or a string longer than `stringLength`
 *    characters (UTF-16 code units, as JavaScript counts);
 *  - a string or a member name holds text a store cannot hold: NUL (U+0000; PostgreSQL
 *    refuses it in text and json) or a lone surrogate (U+D800 to U+DFFF not in a pair:
 *    not Unicode text at all, and PostgreSQL refuses it as well).
 * Fields that later events copy are bounded in size too (`jsonObject`, `FIELD_SIZES`).
 * Pure: no I/O; the API's JSON parser and the decision schemas on the bus both use it.
 */
import { z } from 'zod';

export interface JsonBounds {
  /** Objects and arrays nested in one another, the outermost counting 1. */
  depth: number;
  /** Characters in a member name. */
  nameLength: number;
  /** Characters in a string value. */
  stringLength: number;
}

/** The bounds of every JSON input: each HTTP body, each decision message (README, "Bounds on input"). */
export const JSON_BOUNDS: JsonBounds = { depth: 32, nameLength: 200, stringLength: 65_536 };

/** Characters of JSON text (as JSON.stringify writes it) a field that events keep may hold. */
export const FIELD_SIZES = {
  /** A case's form, in CaseStarted and in every task sent to a department. */
  form: 262_144,
  /** A department's output, in DecisionRecorded, the case's outputs and later tasks. */
  output: 65_536,
} as const;

export interface JsonIssue {
  /** Member names and array indexes from the root of the input to the value. */
  path: (string | number)[];
  message: string;
}

/** Issues reported at most: enough to show what is wrong without echoing a hostile input. */
const MAX_ISSUES = 10;

// With the `u` flag, a surrogate pair is one code point, so \p{Cs} matches lone halves only.
const UNSTORABLE = /[\0\p{Cs}]/u;

/** Why a store cannot hold this text (NUL, a lone surrogate), or undefined if it can. */
export function unstorableText(s: string): string | undefined {
  const m = UNSTORABLE.exec(s);
  if (!m) return undefined;
  const code = m[0].charCodeAt(0);
  if (code === 0) return `contains NUL (U+0000) at character ${m.index}, which no store can hold`;
  const hex = code.toString(16).toUpperCase();
  return `contains a lone surrogate (U+${hex}) at character ${m.index}: not Unicode text, which no store can hold`;
}

/** The text with each NUL and lone surrogate replaced by U+FFFD: for records of what failed, never for input. */
export const storableText = (s: string): string => (UNSTORABLE.test(s) ? s.replace(new RegExp(UNSTORABLE.source, 'gu'), '\uFFFD') : s);

/** The beginning of a name, quoted and escaped, for a message. */
const preview = (s: string) => JSON.stringify(s.length > 20 ? `${s.slice(0, 20)}…` : s);

/**
 * Every way `value` breaks the bounds or holds unstorable text, at most ten, each with
 * its path (prefixed by `at`). Walks no deeper than the depth bound, so a hostile input
 * cannot exhaust the stack.
 */
export function jsonInputIssues(value: unknown, bounds: JsonBounds = JSON_BOUNDS, at: readonly (string | number)[] = []): JsonIssue[] {
  const issues: JsonIssue[] = [];
  const path: (string | number)[] = [...at];
  const report = (message: string) => issues.push({ path: [...path], message });
  const visit = (v: unknown, depth: number): void => {
    if (issues.length >= MAX_ISSUES) return;
    if (typeof v === 'string') {
      if (v.length > bounds.stringLength) report(`a string of ${v.length} characters; strings are at most ${bounds.stringLength} characters`);
      else {
        const why = unstorableText(v);
        if (why) report(why);
      }
      return;
    }
    if (typeof v !== 'object' || v === null) return;
    if (depth > bounds.depth) {
      report(`nested deeper than ${bounds.depth} levels of objects and arrays, the bound of JSON input`);
      return;
    }
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        path.push(i);
        visit(v[i], depth + 1);
        path.pop();
      }
      return;
    }
    for (const [name, member] of Object.entries(v)) {
      if (name.length > bounds.nameLength) {
        report(`a member name of ${name.length} characters (${preview(name)}); member names are at most ${bounds.nameLength} characters`);
        continue;
      }
      const why = unstorableText(name);
      if (why) {
        report(`member name ${preview(name)} ${why}`);
        continue;
      }
      path.push(name);
      visit(member, depth + 1);
      path.pop();
    }
  };
  visit(value, 1);
  return issues.slice(0, MAX_ISSUES);
}

/** A path as the API names fields: `form.legalRepresentative.idNumber`, `output.list.0`. */
export const pathText = (path: readonly (string | number)[]): string => path.map(String).join('.');

/**
 * A zod refinement adding `jsonInputIssues` to a schema, for inputs that do not pass
 * through the API's JSON parser (a decision on the bus).
 */
export function withinJsonBounds(value: unknown, ctx: z.RefinementCtx): void {
  for (const i of jsonInputIssues(value)) ctx.addIssue({ code: 'custom', path: i.path, message: i.message });
}

/** A JSON object field of at most `maxSize` characters of JSON text (see FIELD_SIZES). */
export function jsonObject(maxSize: number) {
  return z
    .record(z.string(), z.unknown())
    .superRefine((v, ctx) => {
      // Sized only once within the bounds: stringifying a hostile value could exhaust the stack.
      if (jsonInputIssues(v).length > 0) return;
      const size = JSON.stringify(v).length;
      if (size > maxSize) ctx.addIssue({ code: 'custom', message: `${size} characters of JSON; this field holds at most ${maxSize} characters of JSON` });
    })
    .meta({ description: `A JSON object of at most ${maxSize} characters of JSON text (see "Bounds on input" in the API description).` });
}
