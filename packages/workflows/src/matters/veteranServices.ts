import { defineMatter } from '@onematter/engine';
import { z } from 'zod';
import { titled } from '../outputTitles.js';
import { Address, PastDate, Person, RefNumber, birthDateOfResidentId, yearsBetween } from '../fields.js';

/**
 * 退役军人服务 (services for discharged service members), second batch of 2024 (国办函
 * 〔2024〕53号; Chongqing's 退役军人服务"一件事" [12]).
 *
 * 报到 at the 退役军人事务 department first, then in parallel: 公安 restores the household
 * registration (when it was cancelled on enlistment), 退役军人事务 issues the 优待证, 人社
 * and 医保 move the pension and medical insurance, the 人民武装部 records the reserve
 * registration, and 人社 registers a self-employed veteran for employment services
 * (退役军人保障法 Arts 14–18 [26]; departments per [12]).
 *
 * Limits (working days): none verified for 报到 (5, committed 1, inferred); insurance
 * transfers 15 (by analogy with the 15 working days of 城镇企业职工基本养老保险关系转移接续
 * 暂行办法), committed 5; 优待证 20, committed 10 (the card is made centrally; inferred);
 * the rest 5, committed 1 (inferred). Matter: 5 + 20 = 25; committed 1 + 10 = 11.
 */

const form = z
  .object({
    veteran: Person.meta({ title: '退役军人' }),
    category: z.enum(['退役军官', '退役军士', '退役义务兵']).meta({ title: '退役类别' }),
    dischargeDate: PastDate.meta({ title: '退出现役日期' }),
    serviceYears: z.number().min(1, '服役年限至少 1 年（at least one year of service）').max(45).meta({ title: '服役年限（年）' }),
    placement: z.enum(['逐月领取退役金', '自主就业', '安排工作', '退休', '供养']).meta({ title: '安置方式' }),
    placementAddress: Address.meta({ title: '安置地地址' }),
    restoreHousehold: z.boolean().meta({ title: '办理恢复户口登记' }),
  })
  .superRefine((f, ctx) => {
    const age = yearsBetween(birthDateOfResidentId(f.veteran.idNumber), f.dischargeDate);
    if (age < 18) ctx.addIssue({ code: 'custom', path: ['dischargeDate'], message: `退役时年龄为 ${age} 岁，与服役条件不符（too young at discharge）` });
    if (f.serviceYears > age - 16) ctx.addIssue({ code: 'custom', path: ['serviceYears'], message: '服役年限与年龄不符（service years exceed what the age allows）' });
    if (f.category === '退役义务兵' && f.serviceYears > 3) ctx.addIssue({ code: 'custom', path: ['serviceYears'], message: '义务兵服役一般为 2 年，超过 3 年请选择退役军士（conscripts serve two years）' });
  });

const DATE = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

export const veteranServicesV1 = defineMatter({
  id: 'veteran-services',
  version: 1,
  name: '退役军人服务',
  description: '退役报到后，户口登记、优待证申领、养老和医疗保险关系转移接续、预备役登记、就业创业服务登记一次联办。',
  statutoryDays: null,
  committedDays: 11,
  form,
  materials: [
    { code: 'discharge-certificate', name: '退出现役证明书', required: true },
    { code: 'placement-notice', name: '安置介绍信或报到通知', required: true },
    { code: 'identity-document', name: '居民身份证', required: true },
    { code: 'insurance-transfer', name: '军人保险关系转移接续凭证', required: true },
    { code: 'photo', name: '近期免冠照片（优待证）', required: true },
  ],
  steps: [
    {
      id: 'report',
      department: 'mva',
      service: '退役报到及信息采集',
      statutoryDays: null,
      committedDays: 1,
      output: titled(z.object({ reportNumber: RefNumber('BD'), reportedAt: DATE }).loose()),
      outputExample: { reportNumber: 'BD2026000123', reportedAt: '2026-03-02' },
    },
    {
      id: 'household',
      department: 'psb',
      service: '恢复户口登记',
      dependsOn: ['report'],
      when: { field: 'restoreHousehold', equals: true },
      statutoryDays: null,
      committedDays: 1,
      output: titled(z.object({ householdReference: RefNumber('HK'), registeredAt: DATE }).loose()),
      outputExample: { householdReference: 'HK2026000123', registeredAt: '2026-03-03' },
    },
    {
      id: 'preferential-card',
      department: 'mva',
      service: '退役军人优待证申领',
      dependsOn: ['report'],
      statutoryDays: null,
      committedDays: 10,
      output: titled(z.object({ cardNumber: RefNumber('YDZ'), validUntil: DATE }).loose()),
      outputExample: { cardNumber: 'YDZ3301062026000123', validUntil: '2036-03-02' },
    },
    {
      id: 'pension-transfer',
      department: 'hrss',
      service: '基本养老保险关系转移接续',
      dependsOn: ['report'],
      statutoryDays: null,
      committedDays: 5,
      output: titled(z.object({ transferReference: RefNumber('YL'), recognisedMonths: z.number().int().min(0) }).loose()),
      outputExample: { transferReference: 'YL2026000123', recognisedMonths: 96 },
    },
    {
      id: 'medical-transfer',
      department: 'nhsa',
      service: '基本医疗保险关系转移接续',
      dependsOn: ['report'],
      statutoryDays: null,
      committedDays: 5,
      output: titled(z.object({ transferReference: RefNumber('YB'), recognisedMonths: z.number().int().min(0) }).loose()),
      outputExample: { transferReference: 'YB2026000123', recognisedMonths: 96 },
    },
    {
      id: 'reserve',
      department: 'pafd',
      service: '预备役登记',
      dependsOn: ['report'],
      statutoryDays: null,
      committedDays: 1,
      output: titled(z.object({ reserveReference: RefNumber('YBY') }).loose()),
      outputExample: { reserveReference: 'YBY2026000123' },
    },
    {
      id: 'employment',
      department: 'hrss',
      service: '自主就业退役军人就业创业服务登记',
      dependsOn: ['report'],
      when: { field: 'placement', equals: '自主就业' },
      statutoryDays: null,
      committedDays: 1,
      output: titled(z.object({ employmentRegistration: RefNumber('JY') }).loose()),
      outputExample: { employmentRegistration: 'JY2026000123' },
    },
  ],
  example: {
    veteran: { name: '王十四', idNumber: '330106199802144059', phone: '15700157000' },
    category: '退役军士',
    dischargeDate: '2025-09-01',
    serviceYears: 8,
    placement: '自主就业',
    placementAddress: '浙江省杭州市西湖区文三路 90 号',
    restoreHousehold: true,
  },
  otherExamples: [
    {
      title: '逐月领取退役金的退役军官（户口未注销）',
      form: {
        veteran: { name: '王十四', idNumber: '330106199802144059', phone: '15700157000' },
        category: '退役军官',
        dischargeDate: '2025-10-15',
        serviceYears: 9,
        placement: '逐月领取退役金',
        placementAddress: '浙江省杭州市西湖区文三路 90 号',
        restoreHousehold: false,
      },
    },
  ],
  exampleApplicant: { name: '王十四', idType: 'resident-id', idNumber: '330106199802144059', phone: '15700157000' },
});
