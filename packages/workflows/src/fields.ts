/**
 * Form fields that recur across matters: dates, amounts, names, addresses and people.
 * Messages are Chinese first with English in parentheses, like validators.ts. No field
 * is checked against today's date except "not in the future": a definition's example
 * must stay valid on every later day, or the catalogue would refuse to load.
 */
import { z } from 'zod';
import { CnMobile, ResidentId } from './validators.js';

const realDate = (s: string): boolean => {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const dt = new Date(Date.UTC(y, mo - 1, d));
  return dt.getUTCFullYear() === y && dt.getUTCMonth() === mo - 1 && dt.getUTCDate() === d;
};

/** Today's date in China (UTC+8) as YYYY-MM-DD. */
const chinaToday = (): string => new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);

/** 日期: a real calendar date written YYYY-MM-DD. */
export const IsoDate = z
  .string()
  .refine(realDate, '日期应为有效日期，格式 YYYY-MM-DD（date must be a real date, YYYY-MM-DD）')
  .meta({ format: 'date', examples: ['2026-03-02'] });

/** A date that has already happened (birth, discharge, a penalty decision): not after today in China. */
export const PastDate = IsoDate.refine((s) => s <= chinaToday(), '日期不能晚于今天（date must not be in the future）');

/** 金额（元）: positive, at most two decimals. */
export const Yuan = (max = 1e10) =>
  z
    .number()
    .positive('金额须大于 0（amount must be positive）')
    .max(max, `金额不能超过 ${max} 元（amount must be at most ${max}）`)
    .refine((n) => Math.round(n * 100) === n * 100, '金额最多保留两位小数（at most two decimals）');

/** 姓名: 2–30 characters (Chinese names, or foreign names with ·). */
export const PersonName = z
  .string()
  .trim()
  .min(2, '姓名至少 2 个字（name too short）')
  .max(30, '姓名不超过 30 个字（name too long）');

/** 单位名称. */
export const OrgName = z.string().trim().min(4, '单位名称至少 4 个字（name too short）').max(60, '单位名称不超过 60 个字（name too long）');

/** 地址. */
export const Address = z.string().trim().min(6, '地址过短，请写到门牌号（address too short）').max(200, '地址过长（address too long）');

/** A person named on a form: name, resident ID and mobile. */
export const Person = z.object({
  name: PersonName.meta({ title: '姓名' }),
  idNumber: ResidentId.meta({ title: '居民身份证号码' }),
  phone: CnMobile.meta({ title: '手机号码' }),
});

/** The birth date (YYYY-MM-DD) written in an 18-digit resident ID. */
export const birthDateOfResidentId = (id: string): string => `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`;

/** Whole years between two YYYY-MM-DD dates (age on a day). */
export function yearsBetween(from: string, to: string): number {
  const years = Number(to.slice(0, 4)) - Number(from.slice(0, 4));
  return to.slice(5) >= from.slice(5) ? years : years - 1;
}

/**
 * A department's reference number: a fixed prefix and at least 6 digits (e.g. BG2026000123).
 * Output schemas use it so a department system knows the shape; simulators vary the digits.
 */
/**
 * 纳税人识别号 of an enterprise: its 统一社会信用代码, issued by the registration step
 * `fromStep`. `x-prefill` names the case output a person's decision form starts from
 * ('step.field'), so the officer confirms this case's code instead of typing it.
 */
export const TaxpayerId = (fromStep: string) =>
  z.string().min(15).meta({ title: '纳税人识别号', description: '企业的纳税人识别号即其统一社会信用代码', 'x-prefill': `${fromStep}.unifiedSocialCreditCode` });

export const RefNumber = (prefix: string) =>
  z.string().regex(new RegExp(`^${prefix}\\d{6,}$`), `编号应为“${prefix}”加至少 6 位数字（reference must be ${prefix} and 6+ digits）`);

/** 办理结果: what a department reports back on a query or check. */
export const CheckResult = z.enum(['无异常', '有记录']);
