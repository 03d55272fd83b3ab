import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  CnMobile,
  CnPostalCode,
  ResidentId,
  USCC_CHARSET,
  Uscc,
  computeOrganizationCodeCheckChar,
  computeResidentIdCheckChar,
  computeUsccCheckChar,
  generateResidentId,
  generateUscc,
  isValidResidentId,
  isValidUscc,
  residentIdProblem,
  usccProblem,
} from './validators.js';

/** Replace the last character with the next one of `alphabet` (a guaranteed mismatch). */
function mutateLast(code: string, alphabet: string): string {
  const last = code[code.length - 1]!;
  const next = alphabet[(alphabet.indexOf(last.toUpperCase()) + 1) % alphabet.length]!;
  return code.slice(0, -1) + next;
}
/** A resident ID with the given first 17 digits and the correct check character. */
function withCheck(first17: string): string {
  return first17 + computeResidentIdCheckChar(first17);
}

describe('unified social credit code (GB 32100-2015)', () => {
  // Widely published codes, each verified with the algorithm below (check character and the
  // embedded GB 11714 organisation code).
  const KNOWN = [
    '91350100M000100Y43', // the well-known GB 32100 example
    '914403001922038216',
    '9144030071526726XG',
    '91330100716105852F',
    '91110000710926094P',
    '91110108551385082Q',
    '91440300708461136T',
  ];

  it.each(KNOWN)('%s is valid', (code) => {
    expect(isValidUscc(code)).toBe(true);
    expect(usccProblem(code)).toBeUndefined();
    expect(computeUsccCheckChar(code.slice(0, 17))).toBe(code[17]);
    expect(computeOrganizationCodeCheckChar(code.slice(8, 16))).toBe(code[16]);
  });

  it.each(KNOWN)('%s with a mutated check character is invalid, without naming the expected one', (code) => {
    const bad = mutateLast(code, USCC_CHARSET);
    expect(isValidUscc(bad)).toBe(false);
    expect(usccProblem(bad)).toBe('check character does not match: the code is invalid, check it against the licence or registration certificate');
  });

  it('rejects 911100001000019982 (its check character would be 6)', () => {
    expect(usccProblem('911100001000019982')).toBe('check character does not match: the code is invalid, check it against the licence or registration certificate');
  });

  it('explains structural problems', () => {
    expect(usccProblem('91350100M000100Y4')).toBe('must be 18 characters, got 17');
    expect(usccProblem('91350100m000100Y43')).toBe("letter 'm' at position 9 must be upper case");
    expect(usccProblem('91350100I000100Y43')).toMatch(/^character 'I' at position 9 is not allowed/);
    expect(usccProblem('91350100M000100O43')).toMatch(/^character 'O' at position 16 is not allowed/);
    expect(usccProblem('H1350100M000100Y43')).toBe("registration authority code 'H' at position 1 is not valid");
    expect(usccProblem('9A350100M000100Y43')).toBe("organisation type code 'A' at position 2 must be a digit 1-9");
    expect(usccProblem('913501A0M000100Y43')).toBe(
      "administrative division code '3501A0' at positions 3-8 must be 6 digits",
    );
    expect(isValidUscc(42 as unknown as string)).toBe(false);
  });

  it('accepts the authority codes 1-9, A-G, N and Y', () => {
    for (const a of '123456789ABCDEFGNY') {
      const first17 = `${a}1110108MA0000000`;
      expect(isValidUscc(first17 + computeUsccCheckChar(first17)), a).toBe(true);
    }
  });

  it('computeUsccCheckChar validates its input', () => {
    expect(computeUsccCheckChar('91350100M000100Y4')).toBe('3');
    expect(() => computeUsccCheckChar('91350100M000100Y')).toThrow(/17 characters/);
    expect(() => computeUsccCheckChar('91350100M000100S4')).toThrow(/position 16/);
  });

  it('computeOrganizationCodeCheckChar maps 10 to X and 11 to 0', () => {
    expect(computeOrganizationCodeCheckChar('71526726')).toBe('X');
    // Find bodies whose raw result is 10 and 11 and check the mapping directly.
    const weights = [3, 7, 9, 10, 5, 8, 4, 2];
    const raw = (b: string) => 11 - ([...b].reduce((s, c, i) => s + Number(c) * weights[i]!, 0) % 11);
    let saw0 = false;
    let sawX = false;
    for (let n = 0; n < 200 && !(saw0 && sawX); n++) {
      const body = String(n).padStart(8, '0');
      if (raw(body) === 11) {
        expect(computeOrganizationCodeCheckChar(body)).toBe('0');
        saw0 = true;
      }
      if (raw(body) === 10) {
        expect(computeOrganizationCodeCheckChar(body)).toBe('X');
        sawX = true;
      }
    }
    expect(saw0 && sawX).toBe(true);
  });

  it('generateUscc is valid, deterministic and distinct for seeds 0..999', () => {
    const seen = new Set<string>();
    for (let seed = 0; seed < 1000; seed++) {
      const code = generateUscc(seed);
      expect(usccProblem(code), code).toBeUndefined();
      expect(code.startsWith('91')).toBe(true);
      expect(computeOrganizationCodeCheckChar(code.slice(8, 16))).toBe(code[16]);
      expect(generateUscc(seed)).toBe(code);
      seen.add(code);
    }
    expect(seen.size).toBe(1000);
    expect(isValidUscc(generateUscc(-7))).toBe(true);
    expect(isValidUscc(generateUscc(Number.MAX_SAFE_INTEGER))).toBe(true);
    expect(() => generateUscc(1.5)).toThrow(TypeError);
  });
});

describe('resident identity number (GB 11643-1999)', () => {
  const TODAY = new Date('2025-06-01T00:00:00+08:00');

  it('accepts the GB 11643 example 11010519491231002X, and lower-case x', () => {
    expect(isValidResidentId('11010519491231002X')).toBe(true);
    expect(isValidResidentId('11010519491231002x')).toBe(true);
    expect(residentIdProblem('11010519491231002x')).toBeUndefined();
  });

  it('rejects a mutated check digit, without naming the expected one', () => {
    expect(residentIdProblem('110105194912310021')).toBe('check digit does not match: the number is invalid, check it against the identity document');
    const id = generateResidentId(42);
    expect(residentIdProblem(mutateLast(id, '0123456789X'))).toBe('check digit does not match: the number is invalid, check it against the identity document');
  });

  it('rejects 19990230 even with a matching check digit', () => {
    const id = withCheck('11010519990230002');
    expect(isValidResidentId(id)).toBe(false);
    expect(residentIdProblem(id)).toBe('birth date 19990230 is not a real date');
  });

  it('knows leap years: 20000229 is a date, 19000229 is not', () => {
    expect(isValidResidentId(withCheck('44030520000229123'), TODAY)).toBe(true);
    expect(residentIdProblem(withCheck('44030519000229123'), TODAY)).toBe('birth date 19000229 is not a real date');
    expect(residentIdProblem(withCheck('44030520230229123'), TODAY)).toBe('birth date 20230229 is not a real date');
    expect(isValidResidentId(withCheck('44030520240229123'), TODAY)).toBe(true);
  });

  it('rejects birth dates before 1900 or after today (China date)', () => {
    expect(residentIdProblem(withCheck('11010518991231002'), TODAY)).toBe('birth date 18991231 is before 1900');
    expect(isValidResidentId(withCheck('11010519000101002'), TODAY)).toBe(true);
    expect(residentIdProblem(withCheck('11010520250602002'), TODAY)).toBe('birth date 20250602 is in the future');
    expect(isValidResidentId(withCheck('11010520250601002'), TODAY)).toBe(true);
    // 2025-05-31T16:00Z is already 2025-06-01 in China
    expect(isValidResidentId(withCheck('11010520250601002'), new Date('2025-05-31T16:00:00Z'))).toBe(true);
    expect(isValidResidentId(withCheck('11010520250601002'), new Date('2025-05-31T15:59:59Z'))).toBe(false);
    // default today is now
    expect(residentIdProblem(withCheck('11010599991231002'))).toBe('birth date 99991231 is in the future');
  });

  it('checks the province code and the format', () => {
    expect(residentIdProblem(withCheck('99010519491231002'))).toBe(
      'region code 990105 does not start with a valid province code (99)',
    );
    expect(residentIdProblem(withCheck('10010519491231002'))).toMatch(/province code \(10\)/);
    for (const p of ['11', '15', '21', '23', '31', '37', '41', '46', '50', '54', '61', '65', '71', '81', '82', '83', '91']) {
      expect(isValidResidentId(withCheck(`${p}010519491231002`)), p).toBe(true);
    }
    for (const p of ['16', '20', '24', '30', '38', '40', '47', '55', '60', '66', '72', '84', '90', '92']) {
      expect(isValidResidentId(withCheck(`${p}010519491231002`)), p).toBe(false);
    }
    expect(residentIdProblem('1101051949123100')).toBe('must be 18 characters, got 16');
    expect(residentIdProblem('110105194912310A2X')).toBe(
      "the first 17 characters must be digits ('A' at position 16)",
    );
    expect(residentIdProblem('11010519491231002Y')).toBe("the last character must be a digit or X, got 'Y'");
    expect(residentIdProblem('110105491231002')).toBe('must be 18 characters, got 15'); // old 15-digit IDs
  });

  it('generateResidentId is valid, deterministic and distinct for seeds 0..999', () => {
    const seen = new Set<string>();
    for (let seed = 0; seed < 1000; seed++) {
      const id = generateResidentId(seed);
      expect(residentIdProblem(id), id).toBeUndefined();
      expect(generateResidentId(seed)).toBe(id);
      const birth = id.slice(6, 14);
      expect(birth >= '19500101' && birth <= '20051231').toBe(true);
      seen.add(id);
    }
    expect(seen.size).toBe(1000);
  });

  it('generateResidentId honours a given birth date', () => {
    expect(generateResidentId(7, '2000-02-29').slice(6, 14)).toBe('20000229');
    expect(isValidResidentId(generateResidentId(7, '20000229'))).toBe(true);
    expect(() => generateResidentId(7, '19000229')).toThrow(/not a real date/);
    expect(() => generateResidentId(7, '1899-12-31')).toThrow(/from 1900/);
    expect(() => generateResidentId(7, '2000/01/01')).toThrow();
  });
});

describe('zod schemas', () => {
  const messages = (r: { success: boolean; error?: z.ZodError }) => r.error?.issues.map((i) => i.message) ?? [];

  it('Uscc: Chinese message first, English in parentheses; upper-cases input', () => {
    expect(Uscc.parse('91350100M000100Y43')).toBe('91350100M000100Y43');
    expect(Uscc.parse('91350100m000100y43')).toBe('91350100M000100Y43');
    expect(messages(Uscc.safeParse('91350100M000100Y44'))).toEqual([
      '统一社会信用代码校验位不符，该代码无效，请对照营业执照或登记证书逐位核对',
    ]);
    expect(messages(Uscc.safeParse('123'))).toEqual([
      '统一社会信用代码应为18位，实际为3位',
    ]);
    expect(Uscc.safeParse(123).success).toBe(false);
  });

  it('ResidentId: one precise issue; lower-case x normalised', () => {
    expect(ResidentId.parse('11010519491231002x')).toBe('11010519491231002X');
    expect(messages(ResidentId.safeParse(withCheck('11010519990230002')))).toEqual([
      '居民身份证号码出生日期 19990230 不是有效日期',
    ]);
    expect(messages(ResidentId.safeParse('110105194912310021'))).toEqual([
      '居民身份证号码校验码不符，该号码无效，请对照身份证件逐位核对',
    ]);
  });

  it('CnMobile and CnPostalCode', () => {
    expect(CnMobile.safeParse('13800138000').success).toBe(true);
    expect(CnMobile.safeParse('19912345678').success).toBe(true);
    for (const bad of ['12800138000', '1380013800', '138001380000', '+8613800138000']) {
      const r = CnMobile.safeParse(bad);
      expect(r.success, bad).toBe(false);
      expect(messages(r)[0]).toMatch(/^手机号码格式不正确.*（mobile number must be 11 digits/);
    }
    expect(CnPostalCode.safeParse('100080').success).toBe(true);
    expect(messages(CnPostalCode.safeParse('10008'))).toEqual(['邮政编码应为6位数字（postal code must be 6 digits）']);
    expect(CnPostalCode.safeParse('10008a').success).toBe(false);
  });

  it('reports issues at the field path inside objects', () => {
    const Form = z.object({ code: Uscc, legalRep: z.object({ id: ResidentId, mobile: CnMobile }) });
    const r = Form.safeParse({ code: '91350100M000100Y44', legalRep: { id: '11010519491231002X', mobile: '123' } });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path.join('.'))).toEqual(['code', 'legalRep.mobile']);
  });

  it('z.toJSONSchema shows format and title (refinements do not break it)', () => {
    const schema = z.toJSONSchema(
      z.object({ a: Uscc, b: ResidentId, c: CnMobile, d: CnPostalCode.optional() }),
    ) as { properties: Record<string, Record<string, unknown>>; required: string[] };
    expect(schema.properties.a).toMatchObject({ type: 'string', format: 'uscc', title: '统一社会信用代码' });
    expect(schema.properties.b).toMatchObject({ type: 'string', format: 'cn-resident-id', title: '居民身份证号码' });
    expect(schema.properties.c).toMatchObject({ type: 'string', format: 'cn-mobile', title: '手机号码', pattern: '^1[3-9]\\d{9}$' });
    expect(schema.properties.d).toMatchObject({ type: 'string', format: 'cn-postal-code', title: '邮政编码', pattern: '^\\d{6}$' });
    expect(schema.required).toEqual(['a', 'b', 'c']);
    expect(() => z.toJSONSchema(z.object({ a: Uscc }), { io: 'input' })).not.toThrow();
  });
});
