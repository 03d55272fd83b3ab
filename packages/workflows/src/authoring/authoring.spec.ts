import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { resaleHousingTransferV1, schoolEnrolmentV1, utilityConnectionV1, utilityConnectionV2 } from '../index.js';
import { diffLines, matterDiff } from './diff.js';
import { compileJsonSchema } from './jsonSchema.js';
import { checkMatterText } from './load.js';

describe('a form written as JSON Schema', () => {
  const form = compileJsonSchema({
    type: 'object',
    required: ['code', 'owner', 'rooms'],
    properties: {
      code: { type: 'string', format: 'uscc', title: '申请单位统一社会信用代码' },
      owner: { type: 'object', required: ['id'], properties: { id: { type: 'string', format: 'resident-id', title: '身份证' }, phone: { type: 'string', format: 'cn-mobile' } } },
      rooms: { type: 'array', minItems: 1, items: { type: 'string', enum: ['厨房', '大堂'] } },
      seats: { type: 'integer', minimum: 0, maximum: 200 },
    },
  });
  const ok = { code: '91350100M000100Y43', owner: { id: '11010519491231002X' }, rooms: ['厨房'] };

  it('runs the real field checks named by format, nested and at the top', () => {
    expect(form.safeParse(ok).success).toBe(true);
    const bad = form.safeParse({ ...ok, code: '91350100M000100Y44', owner: { id: '110105194912310021', phone: '12345' } });
    expect(bad.success).toBe(false);
    const paths = bad.error!.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['code', 'owner.id', 'owner.phone']));
    expect(bad.error!.issues.find((i) => i.path[0] === 'code')!.message).toMatch(/^统一社会信用代码/);
  });

  it('keeps plain keywords: required, enum items, integer bounds', () => {
    expect(form.safeParse({ ...ok, rooms: [] }).success).toBe(false);
    expect(form.safeParse({ ...ok, rooms: ['车库'] }).success).toBe(false);
    expect(form.safeParse({ ...ok, seats: 2.5 }).success).toBe(false);
    expect(form.safeParse({ code: ok.code, rooms: ok.rooms }).success).toBe(false);
  });

  it('keeps titles and formats for the workbench, in the order written', () => {
    const json = z.toJSONSchema(form, { io: 'input', unrepresentable: 'any' }) as { properties: Record<string, { title?: string; format?: string }> };
    expect(Object.keys(json.properties)).toEqual(['code', 'owner', 'rooms', 'seats']);
    expect(json.properties.code).toMatchObject({ title: '申请单位统一社会信用代码', format: 'uscc' });
  });
});

describe('a file with a problem its shape alone does not show', () => {
  it('names an unknown field (a typo) with its line', () => {
    const r = checkMatterText('id: x\nname: X\nstatutoryDays: null\ncommittedDays: 1\nform: { type: object, properties: {} }\nmaterials: []\nsteps:\n  - { id: a, department: samr, service: s, statutoryDays: null, committedDays: 1, dependson: [b] }\nexample: {}\n');
    expect(r.definition).toBeUndefined();
    expect(r.problems).toEqual([expect.objectContaining({ path: 'steps[0].dependson', line: 8, zh: expect.stringContaining('未知字段 “dependson”') })]);
  });

  it('says a step can never apply when its condition asks for a value the field cannot take', () => {
    const r = checkMatterText('id: x\nname: X\nstatutoryDays: null\ncommittedDays: 1\nform: { type: object, properties: { kind: { type: string, enum: [甲, 乙] } } }\nmaterials: []\nsteps:\n  - { id: a, department: samr, service: s, statutoryDays: null, committedDays: 1, when: { field: kind, equals: 丙 } }\nexample: { kind: 甲 }\n');
    expect(r.problems.map((p) => p.en)).toEqual(['step a can never apply: kind only takes "甲", "乙"']);
  });
});

describe('matters diff', () => {
  it('matches steps by id and names each change', () => {
    const lines = diffLines(matterDiff(utilityConnectionV1, utilityConnectionV2));
    expect(lines).toContain('~ name: "水电气暖网联合报装" → "水电气网联合报装"');
    expect(lines).toContain('~ steps[gas].performer: "department" → "company"');
    expect(lines).toContain('+ steps[gas].when: {"field":"gas","truthy":true}');
    // gas, heat and telecom became optional: the form's required list changed as a whole.
    expect(lines.find((l) => l.startsWith('~ form.required: '))).toMatch(/"gas".*→ (?!.*"gas")/);
  });
});

describe('rules: cross-field checks of the form, as data', () => {
  const base = (rules: string) =>
    `id: x\nname: X\nstatutoryDays: null\ncommittedDays: 1\nform:\n  type: object\n  properties:\n    pay: { type: string, enum: [全款, 贷款] }\n    loan: { type: number }\n    price: { type: number }\n    people: { type: array, items: { type: object, properties: { id: { type: string } } } }\nmaterials: []\nsteps:\n  - { id: a, department: samr, service: s, statutoryDays: null, committedDays: 1 }\nexample: { pay: 全款, price: 10 }\n${rules}`;

  it('names a rule that reads a field the form lacks, with its line and path', () => {
    const r = checkMatterText(base('rules:\n  - path: loan\n    check: { "<=": [ { var: loan }, { var: prise } ] }\n    message: { zh: 贷款不能超过价格, en: loan above the price }\n  - path: lone\n    forEach: people\n    check: { "!!": { var: item.name } }\n    message: { zh: 缺姓名, en: name missing }\n'));
    expect(r.definition).toBeUndefined();
    expect(r.problems.map((p) => [p.path, p.line])).toEqual([
      ['rules[0].check.<=[1].var', 18],
      ['rules[1].path', 20],
      ['rules[1].check.!!.var', 22],
    ]);
    expect(r.problems[0]!.zh).toContain('引用了表单中没有的字段 prise');
  });

  it('refuses an operation JSON Logic does not have, and a message value no let defines', () => {
    const r = checkMatterText(base('rules:\n  - check: { eval: [ "1" ] }\n    message: { zh: "年龄 {age}", en: age }\n'));
    expect(r.problems.map((p) => p.path)).toEqual(['rules[0].check.eval', 'rules[0].message.zh']);
  });

  it('checks the form with them, on the field named, in both languages', () => {
    const r = checkMatterText(base('rules:\n  - path: loan\n    when: { "!==": [ { var: pay }, 全款 ] }\n    check: { "<=": [ { var: loan }, { var: price } ] }\n    message: { zh: 贷款不能超过价格, en: loan above the price }\n'));
    const form = r.definition!.form;
    expect(form.safeParse({ pay: '全款', price: 10, loan: 50 }).success).toBe(true);
    const bad = form.safeParse({ pay: '贷款', price: 10, loan: 50 });
    expect(bad.error!.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['loan', '贷款不能超过价格（loan above the price）']]);
  });

  it('makes a changed rule or field message a changed definition (a new version on deploy, a line of the diff)', () => {
    const rule = (zh: string) => base(`rules:\n  - path: loan\n    check: { "<=": [ { var: loan }, { var: price } ] }\n    message: { zh: ${zh}, en: loan above the price }\n`);
    const a = checkMatterText(rule('贷款不能超过价格')).definition!;
    const b = checkMatterText(rule('贷款金额不能超过价格')).definition!;
    expect(diffLines(matterDiff(a, b))).toEqual([expect.stringMatching(/^~ form\.x-rules: .*贷款不能超过价格.* → .*贷款金额不能超过价格/)]);
    const c = checkMatterText(rule('贷款不能超过价格').replace('loan: { type: number }', 'loan: { type: number, minimum: 1, errorMessage: 至少 1 元 }')).definition!;
    expect(diffLines(matterDiff(a, c))).toEqual(expect.arrayContaining([expect.stringMatching(/^\+ form\.properties\.loan\.errorMessage: "至少 1 元"/)]));
  });

  it('keeps the built-in matters\' checks: a buyer who is also a seller, a child too young for school', () => {
    const buyerIsSeller = { ...resaleHousingTransferV1.example, buyers: [...(resaleHousingTransferV1.example.sellers as unknown[])] };
    const r = resaleHousingTransferV1.form.safeParse(buyerIsSeller);
    expect(r.error!.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['buyers.0.idNumber', '买受人不能同时是出卖人（a buyer cannot be a seller）']]);
    const tooYoung = schoolEnrolmentV1.form.safeParse({ ...schoolEnrolmentV1.example, enrolmentYear: 2020 });
    expect(tooYoung.error!.issues.map((i) => i.message)).toEqual([expect.stringMatching(/^小学入学儿童应在 2020 年 8 月 31 日前年满 6 周岁（当时 -?\d+ 岁）/)]);
  });
});
