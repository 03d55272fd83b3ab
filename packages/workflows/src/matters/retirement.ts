import { defineMatter } from '@onematter/engine';
import { z } from 'zod';
import { titled } from '../outputTitles.js';
import { IsoDate, OrgName, Person, RefNumber, birthDateOfResidentId, yearsBetween } from '../fields.js';
import { Uscc } from '../validators.js';

/**
 * 退休 (retirement), first batch of 2024.
 *
 * 人社 confirms the retirement (资格认定, with the personnel file); then, in parallel, 人社
 * sets the basic pension, 医保 confirms the contribution years for retirees' medical
 * insurance, and — when asked — 公积金 pays out the housing fund on retirement. Departments
 * and order are inferred (shared/MATTERS.md: not verified).
 *
 * Checks: at least 15 years of pension contributions (社会保险法 Art. 16; rising towards 20
 * from 2030 under the 2024 reform); at least 45 years old on the retirement date (the lowest
 * lawful age, women in special types of work); the stated sex matches the ID number. The
 * exact age under the 2025–2039 gradual reform depends on the birth month and is checked by
 * 人社, not here.
 *
 * Limits (working days): none published for 资格认定 and 待遇核定; 20 each (行政许可法 Art. 42
 * frame, inferred), committed 5. 公积金 withdrawal: 3 (住房公积金管理条例 Art. 25),
 * committed 1. Matter: 20 + 20 = 40; committed 5 + 5 = 10.
 */

const form = z
  .object({
    person: Person.meta({ title: '退休人员' }),
    gender: z.enum(['男', '女']).meta({ title: '性别' }),
    employer: z.object({ uscc: Uscc.meta({ title: '统一社会信用代码' }), name: OrgName.meta({ title: '名称' }) }).meta({ title: '所在单位' }),
    retirementType: z.enum(['正常退休', '弹性提前退休', '弹性延迟退休', '特殊工种提前退休']).meta({ title: '退休类型' }),
    retirementDate: IsoDate.meta({ title: '拟退休日期' }),
    pensionContributionYears: z.number().min(0).max(60).meta({ title: '养老保险累计缴费年限（年）' }),
    medicalContributionYears: z.number().min(0).max(60).meta({ title: '医疗保险累计缴费年限（年）' }),
    housingFundWithdrawal: z.boolean().meta({ title: '同时办理住房公积金退休提取' }),
  })
  .superRefine((f, ctx) => {
    if (f.pensionContributionYears < 15) {
      ctx.addIssue({ code: 'custom', path: ['pensionContributionYears'], message: '养老保险累计缴费不足 15 年，不能按月领取基本养老金（社会保险法第十六条）（fewer than 15 years of contributions）' });
    }
    const age = yearsBetween(birthDateOfResidentId(f.person.idNumber), f.retirementDate);
    if (age < 45) ctx.addIssue({ code: 'custom', path: ['retirementDate'], message: `退休时年龄为 ${age} 岁，低于法定最低退休年龄（younger than any lawful retirement age）` });
    const sex = Number(f.person.idNumber[16]) % 2 === 1 ? '男' : '女';
    if (sex !== f.gender) ctx.addIssue({ code: 'custom', path: ['gender'], message: '性别与身份证号码不一致（gender does not match the ID number）' });
  });

const DATE = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

export const retirementV1 = defineMatter({
  id: 'retirement',
  version: 1,
  name: '退休',
  description: '退休资格认定、基本养老金核定、退休人员医保待遇核定，按需联办住房公积金退休提取。',
  statutoryDays: null,
  committedDays: 10,
  form,
  materials: [
    { code: 'retirement-application', name: '职工退休申报表', required: true },
    { code: 'identity-document', name: '居民身份证', required: true },
    { code: 'personnel-file', name: '职工人事档案', required: true },
    { code: 'special-work-proof', name: '特殊工种从业证明（特殊工种提前退休时）', required: false },
  ],
  steps: [
    {
      id: 'qualification',
      department: 'hrss',
      service: '退休资格认定（含档案审核）',
      statutoryDays: null,
      committedDays: 5,
      output: titled(z.object({ approvalNumber: RefNumber('TX'), retirementDate: DATE }).loose()),
      outputExample: { approvalNumber: 'TX2026000123', retirementDate: '2026-03-31' },
    },
    {
      id: 'pension',
      department: 'hrss',
      service: '基本养老金核定',
      dependsOn: ['qualification'],
      statutoryDays: null,
      committedDays: 5,
      output: titled(z.object({ monthlyPensionYuan: z.number().positive(), firstPaymentMonth: z.string().regex(/^\d{4}-\d{2}$/) }).loose()),
      outputExample: { monthlyPensionYuan: 4280.5, firstPaymentMonth: '2026-04' },
    },
    {
      id: 'medical',
      department: 'nhsa',
      service: '退休人员医保缴费年限核定及待遇享受',
      dependsOn: ['qualification'],
      statutoryDays: null,
      committedDays: 5,
      output: titled(z.object({ medicalStatus: z.enum(['退休人员医保待遇', '需补缴后享受']), recognisedYears: z.number().min(0) }).loose()),
      outputExample: { medicalStatus: '退休人员医保待遇', recognisedYears: 30 },
    },
    {
      id: 'housing-fund',
      department: 'hpf',
      service: '住房公积金退休提取',
      dependsOn: ['qualification'],
      when: { field: 'housingFundWithdrawal', equals: true },
      statutoryDays: null,
      committedDays: 1,
      output: titled(z.object({ withdrawalReference: RefNumber('TQ'), amountYuan: z.number().min(0) }).loose()),
      outputExample: { withdrawalReference: 'TQ2026000123', amountYuan: 86500.2 },
    },
  ],
  example: {
    person: { name: '郑十二', idNumber: '330106196503085171', phone: '15900159000' },
    gender: '男',
    employer: { uscc: '91350100M000100Y43', name: '福州市一件事科技有限公司' },
    retirementType: '正常退休',
    retirementDate: '2026-03-31',
    pensionContributionYears: 35,
    medicalContributionYears: 30,
    housingFundWithdrawal: true,
  },
  otherExamples: [
    {
      title: '女职工正常退休，暂不提取公积金',
      form: {
        person: { name: '冯十三', idNumber: '31011519650308506X', phone: '15800158000' },
        gender: '女',
        employer: { uscc: '91350100M000100Y43', name: '福州市一件事科技有限公司' },
        retirementType: '正常退休',
        retirementDate: '2025-12-31',
        pensionContributionYears: 28,
        medicalContributionYears: 25,
        housingFundWithdrawal: false,
      },
    },
  ],
  exampleApplicant: { name: '郑十二', idType: 'resident-id', idNumber: '330106196503085171', phone: '15900159000' },
});
