import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalize } from '../src/audit/canonical.js';

describe('canonical JSON (RFC 8785) for the hash chain', () => {
  it('sorts keys at every depth and drops whitespace, so key order cannot change a hash', () => {
    expect(canonicalize({ b: 1, a: { d: [1, 'x', null], c: true } })).toBe('{"a":{"c":true,"d":[1,"x",null]},"b":1}');
    expect(canonicalize({ a: 1, b: 2 })).toBe(canonicalize({ b: 2, a: 1 }));
  });

  it('writes numbers and strings as ECMAScript does (JCS), Chinese text included', () => {
    expect(canonicalize([1e21, 0.1, -0, 1.5e-7, '企业开办', '\u2028'])).toBe('[1e+21,0.1,0,1.5e-7,"企业开办","\u2028"]');
  });

  it('leaves out undefined members, like JSON.stringify, and parses back to the same value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(JSON.parse(canonicalize(v))).toEqual(JSON.parse(JSON.stringify(v)));
      }),
    );
    expect(canonicalize({ a: undefined, b: 1 })).toBe('{"b":1}');
  });

  it('refuses what JSON cannot hold', () => {
    expect(() => canonicalize({ n: Number.NaN })).toThrow(/non-finite/);
  });
});
