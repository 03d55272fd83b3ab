import { CnMobile, CnPostalCode, ResidentId, Uscc } from '@workflows/validators';
import { chineseOnly } from './api';

/**
 * Field checks as you type, with the catalogue's own validators (GB 32100 check
 * character of the USCC, GB 11643 check digit of the ID number): the same code the
 * server runs, compiled into the bundle.
 */
const BY_FORMAT: Record<string, { safeParse(v: unknown): { success: boolean; error?: { issues: { message: string }[] } } }> = {
  uscc: Uscc,
  'cn-resident-id': ResidentId,
  'cn-mobile': CnMobile,
  'cn-postal-code': CnPostalCode,
};

export const hasFormatCheck = (format: string | undefined): boolean => Boolean(format && BY_FORMAT[format]);

/** The Chinese reason a value is wrong for its format, or undefined when it is right. */
export function formatProblem(format: string | undefined, value: unknown): string | undefined {
  const schema = format ? BY_FORMAT[format] : undefined;
  if (!schema || value === undefined || value === null || value === '') return undefined;
  const r = schema.safeParse(value);
  if (r.success) return undefined;
  return chineseOnly(r.error?.issues[0]?.message ?? '格式不正确');
}
