/**
 * Field validators for Chinese identifiers used in matter forms:
 *
 * - 统一社会信用代码 (unified social credit code, GB 32100-2015), whose characters 9–17 are the
 *   organisation code (GB 11714-1997) with its own check character;
 * - 居民身份证号码 (resident identity number, GB 11643-1999, ISO 7064 MOD 11-2 check);
 * - mainland mobile numbers and postal codes.
 *
 * Plain functions (`isValid…`, `…Problem` with a precise English reason, `generate…` for
 * deterministic valid examples and simulators) and zod schemas whose messages are Chinese
 * first with English in parentheses, carrying `format`/`title` metadata for JSON Schema.
 */
import { z } from 'zod';

interface Problem {
  /**
   * English reason, e.g. 'birth date 19990230 is not a real date'. A wrong check character
   * never names the expected one: that would invite changing the last digit until it passes.
   */
  en: string;
  /** Chinese reason, e.g. '校验码不符，该号码无效，请对照身份证件逐位核对'. */
  zh: string;
}

// ---------------------------------------------------------------------------------------------
// Unified social credit code (GB 32100-2015)

/** The 31 characters of GB 32100 (0–9 and A–Y without I, O, S, V, Z), in value order. */
export const USCC_CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
/** Weights 3^i mod 31 for positions 1–17. */
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] as const;
/**
 * Registration-authority codes (登记管理部门码, position 1), accepted loosely: 1–9 and A–G as
 * GB 32100 and its later assignments allow, N (农业农村, e.g. village collective economic
 * organisations) and Y (其他).
 */
const USCC_AUTHORITY = /^[1-9A-GNY]$/;
/** GB 11714 organisation-code weights for the 8 body characters. */
const ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2] as const;

function usccValue(ch: string): number {
  return USCC_CHARSET.indexOf(ch);
}

/** The GB 32100 check character (position 18) of the first 17 characters. */
export function computeUsccCheckChar(first17: string): string {
  if (typeof first17 !== 'string' || first17.length !== 17) {
    throw new Error(`computeUsccCheckChar: expected 17 characters, got ${JSON.stringify(first17)}`);
  }
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const v = usccValue(first17[i]!);
    if (v < 0) {
      throw new Error(
        `computeUsccCheckChar: character ${JSON.stringify(first17[i])} at position ${i + 1} is not in the GB 32100 charset`,
      );
    }
    sum += v * USCC_WEIGHTS[i]!;
  }
  return USCC_CHARSET[(31 - (sum % 31)) % 31]!;
}

/**
 * The GB 11714 organisation-code check character of an 8-character body (digits and upper-case
 * letters, A = 10 … Z = 35): 11 − (Σ value × weight mod 11), with 10 → 'X' and 11 → '0'.
 */
export function computeOrganizationCodeCheckChar(body8: string): string {
  if (typeof body8 !== 'string' || !/^[0-9A-Z]{8}$/.test(body8)) {
    throw new Error(`computeOrganizationCodeCheckChar: expected 8 digits or upper-case letters, got ${JSON.stringify(body8)}`);
  }
  let sum = 0;
  for (let i = 0; i < 8; i++) {
    const c = body8.charCodeAt(i);
    const v = c <= 57 ? c - 48 : c - 55;
    sum += v * ORG_WEIGHTS[i]!;
  }
  const r = 11 - (sum % 11);
  return r === 10 ? 'X' : r === 11 ? '0' : String(r);
}

function usccProblemOf(code: unknown): Problem | undefined {
  if (typeof code !== 'string') return { en: 'must be a string', zh: '应为字符串' };
  if (code.length !== 18) {
    return {
      en: `must be 18 characters, got ${code.length}`,
      zh: `应为18位，实际为${code.length}位`,
    };
  }
  for (let i = 0; i < 18; i++) {
    const ch = code[i]!;
    if (usccValue(ch) >= 0) continue;
    if (ch !== ch.toUpperCase() && usccValue(ch.toUpperCase()) >= 0) {
      return {
        en: `letter '${ch}' at position ${i + 1} must be upper case`,
        zh: `第${i + 1}位字母“${ch}”应为大写`,
      };
    }
    return {
      en: `character '${ch}' at position ${i + 1} is not allowed (0-9 and upper-case letters except I, O, S, V, Z)`,
      zh: `第${i + 1}位字符“${ch}”不合法（只能是数字或除 I、O、S、V、Z 以外的大写字母）`,
    };
  }
  if (!USCC_AUTHORITY.test(code[0]!)) {
    return {
      en: `registration authority code '${code[0]}' at position 1 is not valid`,
      zh: `第1位登记管理部门代码“${code[0]}”无效`,
    };
  }
  if (!/^[1-9]$/.test(code[1]!)) {
    return {
      en: `organisation type code '${code[1]}' at position 2 must be a digit 1-9`,
      zh: `第2位机构类别代码“${code[1]}”应为数字1至9`,
    };
  }
  if (!/^\d{6}$/.test(code.slice(2, 8))) {
    return {
      en: `administrative division code '${code.slice(2, 8)}' at positions 3-8 must be 6 digits`,
      zh: `第3至8位登记管理机关行政区划码“${code.slice(2, 8)}”应为6位数字`,
    };
  }
  const expected = computeUsccCheckChar(code.slice(0, 17));
  if (code[17] !== expected) {
    return {
      en: 'check character does not match: the code is invalid, check it against the licence or registration certificate',
      zh: '校验位不符，该代码无效，请对照营业执照或登记证书逐位核对',
    };
  }
  return undefined;
}

/**
 * Why a unified social credit code is invalid (English), or undefined when it is valid. The
 * check character and the structure (authority, type, region) are checked; the embedded
 * organisation-code check character is not (it is not guaranteed for every issued code).
 */
export function usccProblem(code: string): string | undefined {
  return usccProblemOf(code)?.en;
}

export function isValidUscc(code: string): boolean {
  return usccProblemOf(code) === undefined;
}

/** Real county-level division codes used by the generators (海淀, 浦东, 南山, 西湖, …). */
const SAMPLE_REGIONS = [
  '110108', // 北京市海淀区
  '110105', // 北京市朝阳区
  '310115', // 上海市浦东新区
  '310104', // 上海市徐汇区
  '440305', // 深圳市南山区
  '440106', // 广州市天河区
  '330106', // 杭州市西湖区
  '320102', // 南京市玄武区
  '510107', // 成都市武侯区
  '420106', // 武汉市武昌区
  '610113', // 西安市雁塔区
  '500103', // 重庆市渝中区
  '370102', // 济南市历下区
  '350102', // 福州市鼓楼区
  '120101', // 天津市和平区
  '410105', // 郑州市金水区
] as const;

function normalizeSeed(seed: number, fn: string): number {
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) {
    throw new TypeError(`${fn}: seed must be a safe integer, got ${String(seed)}`);
  }
  return seed;
}

/** Non-negative residue of a safe integer. */
function mod(n: number, m: number): number {
  return ((n % m) + m) % m;
}

/**
 * A valid, deterministic unified social credit code for a seed (simulated departments,
 * examples): '91' (工商, 企业) + a real district code + an 8-digit organisation-code body
 * derived bijectively from the seed (distinct for seeds 0 … 99 999 999) + its GB 11714 check
 * character + the GB 32100 check character.
 */
export function generateUscc(seed: number): string {
  const s = normalizeSeed(seed, 'generateUscc');
  const region = SAMPLE_REGIONS[mod(s, SAMPLE_REGIONS.length)]!;
  // 48271 is coprime with 10^8, so this is a bijection on seed mod 10^8.
  const body = String(mod(mod(s, 1e8) * 48271 + 10_000_019, 1e8)).padStart(8, '0');
  const first17 = `91${region}${body}${computeOrganizationCodeCheckChar(body)}`;
  return first17 + computeUsccCheckChar(first17);
}

// ---------------------------------------------------------------------------------------------
// Resident identity number (GB 11643-1999)

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const ID_CHECK = '10X98765432';
/** Province-level codes (first two digits): mainland provinces, 71 台湾, 81 香港, 82 澳门, 83 台湾居民居住证, 91 外国人. */
const PROVINCES = new Set([
  '11', '12', '13', '14', '15',
  '21', '22', '23',
  '31', '32', '33', '34', '35', '36', '37',
  '41', '42', '43', '44', '45', '46',
  '50', '51', '52', '53', '54',
  '61', '62', '63', '64', '65',
  '71', '81', '82', '83', '91',
]);

/** The ISO 7064 MOD 11-2 check character (0–9 or X) of the first 17 digits. */
export function computeResidentIdCheckChar(first17: string): string {
  if (typeof first17 !== 'string' || !/^\d{17}$/.test(first17)) {
    throw new Error(`computeResidentIdCheckChar: expected 17 digits, got ${JSON.stringify(first17)}`);
  }
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (first17.charCodeAt(i) - 48) * ID_WEIGHTS[i]!;
  return ID_CHECK[sum % 11]!;
}

function isRealDate(yyyymmdd: string): boolean {
  const y = Number(yyyymmdd.slice(0, 4));
  const m = Number(yyyymmdd.slice(4, 6));
  const d = Number(yyyymmdd.slice(6, 8));
  if (m < 1 || m > 12 || d < 1) return false;
  const dt = new Date(Date.UTC(y, m - 1, d));
  return dt.getUTCFullYear() === y && dt.getUTCMonth() === m - 1 && dt.getUTCDate() === d;
}

/** 'YYYYMMDD' of the China (UTC+8) calendar date of an instant. */
function chinaYmd(instant: Date): string {
  return new Date(instant.getTime() + 8 * 3_600_000).toISOString().slice(0, 10).replaceAll('-', '');
}

function residentIdProblemOf(id: unknown, today: Date | undefined): Problem | undefined {
  if (typeof id !== 'string') return { en: 'must be a string', zh: '应为字符串' };
  if (id.length !== 18) {
    return { en: `must be 18 characters, got ${id.length}`, zh: `应为18位，实际为${id.length}位` };
  }
  if (!/^\d{17}$/.test(id.slice(0, 17))) {
    const i = [...id.slice(0, 17)].findIndex((c) => c < '0' || c > '9');
    return {
      en: `the first 17 characters must be digits ('${id[i]}' at position ${i + 1})`,
      zh: `前17位应为数字（第${i + 1}位为“${id[i]}”）`,
    };
  }
  if (!/^[0-9Xx]$/.test(id[17]!)) {
    return {
      en: `the last character must be a digit or X, got '${id[17]}'`,
      zh: `最后一位应为数字或 X，实际为“${id[17]}”`,
    };
  }
  const region = id.slice(0, 6);
  if (!PROVINCES.has(region.slice(0, 2))) {
    return {
      en: `region code ${region} does not start with a valid province code (${region.slice(0, 2)})`,
      zh: `地址码 ${region} 的省级代码“${region.slice(0, 2)}”无效`,
    };
  }
  const birth = id.slice(6, 14);
  if (!isRealDate(birth)) {
    return { en: `birth date ${birth} is not a real date`, zh: `出生日期 ${birth} 不是有效日期` };
  }
  if (birth < '19000101') {
    return { en: `birth date ${birth} is before 1900`, zh: `出生日期 ${birth} 早于1900年` };
  }
  const todayYmd = chinaYmd(today ?? new Date());
  if (birth > todayYmd) {
    return { en: `birth date ${birth} is in the future`, zh: `出生日期 ${birth} 晚于当前日期` };
  }
  const expected = computeResidentIdCheckChar(id.slice(0, 17));
  if (id[17]!.toUpperCase() !== expected) {
    return { en: 'check digit does not match: the number is invalid, check it against the identity document', zh: '校验码不符，该号码无效，请对照身份证件逐位核对' };
  }
  return undefined;
}

/**
 * Why an 18-digit resident identity number is invalid (English), or undefined when it is valid.
 * A lower-case check character 'x' is accepted. The birth date must be a real date from 1900
 * on and not after `today` (default: now), taken as a China (UTC+8) calendar date.
 */
export function residentIdProblem(id: string, today?: Date): string | undefined {
  return residentIdProblemOf(id, today)?.en;
}

export function isValidResidentId(id: string, today?: Date): boolean {
  return residentIdProblemOf(id, today) === undefined;
}

/** 32-bit integer mix (deterministic, well spread) for deriving fields from a seed. */
function mix32(n: number): number {
  let h = (Math.floor(n / 0x1_0000_0000) ^ n) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

const BIRTH_FROM = Date.UTC(1950, 0, 1);
const BIRTH_DAYS = Math.round((Date.UTC(2005, 11, 31) - BIRTH_FROM) / 86_400_000) + 1;

/**
 * A valid, deterministic resident identity number for a seed (examples, simulators): a real
 * district code, a birth date (given as 'YYYYMMDD' or 'YYYY-MM-DD', else derived from the seed
 * between 1950 and 2005), a 3-digit sequence from the seed, and the MOD 11-2 check character.
 * A given birth date must be real and not before 1900 (it is not checked against today).
 */
export function generateResidentId(seed: number, birth?: string): string {
  const s = normalizeSeed(seed, 'generateResidentId');
  let ymd: string;
  if (birth === undefined) {
    const offset = mod(mix32(s ^ 0x5bd1e995), BIRTH_DAYS);
    ymd = new Date(BIRTH_FROM + offset * 86_400_000).toISOString().slice(0, 10).replaceAll('-', '');
  } else {
    const m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(birth);
    ymd = m ? `${m[1]}${m[2]}${m[3]}` : '';
    if (!m || !isRealDate(ymd) || ymd < '19000101') {
      throw new Error(`generateResidentId: birth ${JSON.stringify(birth)} is not a real date from 1900 on (YYYYMMDD)`);
    }
  }
  const h = mix32(s);
  const region = SAMPLE_REGIONS[h % SAMPLE_REGIONS.length]!;
  const sequence = String(mod(s, 1000)).padStart(3, '0');
  const first17 = `${region}${ymd}${sequence}`;
  return first17 + computeResidentIdCheckChar(first17);
}

// ---------------------------------------------------------------------------------------------
// zod schemas (messages: Chinese first, English in parentheses; an identity number's in Chinese only,
// as a clerk reads it on the field)

/**
 * 统一社会信用代码. Input letters are upper-cased before the check (the functions above are
 * strict). JSON Schema: `{ type: 'string', format: 'uscc', title: '统一社会信用代码', … }`.
 */
export const Uscc = z
  .string()
  .toUpperCase()
  .superRefine((value, ctx) => {
    const p = usccProblemOf(value);
    if (p) {
      ctx.addIssue({
        code: 'custom',
        message: `统一社会信用代码${p.zh}`,
        input: value,
      });
    }
  })
  .meta({
    format: 'uscc',
    title: '统一社会信用代码',
    description: 'Unified social credit code (GB 32100-2015), 18 characters with check character',
    examples: ['91350100M000100Y43'],
  });

/**
 * 居民身份证号码 (18 digits, GB 11643-1999); a lower-case check character is upper-cased. The
 * birth date is checked against the current date at validation time.
 */
export const ResidentId = z
  .string()
  .toUpperCase()
  .superRefine((value, ctx) => {
    const p = residentIdProblemOf(value, undefined);
    if (p) {
      ctx.addIssue({
        code: 'custom',
        message: `居民身份证号码${p.zh}`,
        input: value,
      });
    }
  })
  .meta({
    format: 'cn-resident-id',
    title: '居民身份证号码',
    description: 'Resident identity number (GB 11643-1999), 18 characters with ISO 7064 MOD 11-2 check',
    examples: ['11010519491231002X'],
  });

/** 手机号码: mainland mobile number, 11 digits starting 13–19. */
export const CnMobile = z
  .string()
  .regex(/^1[3-9]\d{9}$/, '手机号码格式不正确，应为以13至19开头的11位数字（mobile number must be 11 digits starting with 13-19）')
  .meta({ format: 'cn-mobile', title: '手机号码', examples: ['13800138000'] });

/** 邮政编码: 6 digits. */
export const CnPostalCode = z
  .string()
  .regex(/^\d{6}$/, '邮政编码应为6位数字（postal code must be 6 digits）')
  .meta({ format: 'cn-postal-code', title: '邮政编码', examples: ['100080'] });
