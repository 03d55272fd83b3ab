import { describe, expect, it } from 'vitest';
import { jsonInputIssues, jsonObject, storableText, unstorableText } from './jsonInput.js';

/** `levels` objects, one in another. */
const nested = (levels: number): unknown => {
  let v: unknown = 'leaf';
  for (let i = 0; i < levels; i++) v = { a: v };
  return v;
};

describe('the bounds of JSON input', () => {
  it('takes 32 levels of nesting and refuses the 33rd, naming its path, without walking further', () => {
    expect(jsonInputIssues({ a: nested(31) })).toEqual([]);
    expect(jsonInputIssues({ a: nested(32) })[0]!.path).toEqual(Array(32).fill('a'));
    const [issue, ...more] = jsonInputIssues({ x: nested(100_000) });
    expect(more).toEqual([]);
    expect(issue!.path).toEqual(['x', ...Array(31).fill('a')]);
    expect(issue!.message).toMatch(/32 levels/);
  });

  it('refuses long member names and strings, at their paths, and reports at most ten issues', () => {
    const issues = jsonInputIssues({ list: [{ ['k'.repeat(201)]: 1 }, 'x'.repeat(65_537)], ok: 'y'.repeat(65_536) });
    expect(issues.map((i) => i.path)).toEqual([['list', 0], ['list', 1]]);
    expect(jsonInputIssues(Array.from({ length: 50 }, () => '\0'))).toHaveLength(10);
  });

  it('refuses NUL and lone surrogates in values and names, and takes surrogate pairs', () => {
    expect(unstorableText('张\u0000三')).toMatch(/NUL \(U\+0000\) at character 1/);
    expect(unstorableText('a\ud800')).toMatch(/lone surrogate \(U\+D800\)/);
    expect(unstorableText('\udc00')).toMatch(/U\+DC00/);
    expect(unstorableText('😀 𠀀 张三')).toBeUndefined();
    expect(jsonInputIssues({ ['n\u0000']: 1 })[0]!.message).toMatch(/member name "n\\u0000" contains NUL/);
    expect(storableText('a\u0000b\ud800😀')).toBe('a\uFFFDb\uFFFD😀');
  });

  it('bounds the size of a field as JSON text', () => {
    const output = jsonObject(100);
    expect(output.safeParse({ a: 'x'.repeat(80) }).success).toBe(true);
    const r = output.safeParse({ a: 'x'.repeat(100) });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.message).toMatch(/108 characters of JSON; this field holds at most 100/);
  });
});
