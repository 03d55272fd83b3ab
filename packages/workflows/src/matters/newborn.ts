import { defineMatter } from '@onematter/engine';
import { z } from 'zod';
import { titled } from '../outputTitles.js';
import { Address, PastDate, Person, PersonName, RefNumber, birthDateOfResidentId } from '../fields.js';
import { ResidentId } from '../validators.js';

/**
 * 新生儿出生 (a baby's birth), first batch of 2024.
 *
 * 卫健 issues the 出生医学证明 and the vaccination certificate; 公安 registers the birth
 * (户口登记, giving the child's ID number); with that number 医保 enrols the child, 人社
 * issues the social security card and 税务 records the parents' childcare deduction, each
 * only when the form asks for it [23]. Order 出生医学证明 → 户口登记 → 医保 / 社保卡 is
 * inferred (shared/MATTERS.md §2); the vaccination certificate needs nothing else.
 *
 * Limits (working days): Qinghai cut the whole from 32 to at most 5 working days [24], which
 * we commit (1 + 1 + 3 on the longest path). Statutory: no limits are published for these
 * registrations; 5 each (inferred), 10 for making the card (inferred), so 5 + 5 + 10 = 20.
 */

const form = z
  .object({
    child: z
      .object({
        name: PersonName.meta({ title: '新生儿姓名' }),
        gender: z.enum(['男', '女']).meta({ title: '性别' }),
        birthDate: PastDate.meta({ title: '出生日期' }),
        birthPlace: z.string().trim().min(4, '请填写出生医院（birth hospital required）').max(100).meta({ title: '出生医院' }),
        weightGrams: z.number().int().min(300, '出生体重不少于 300 克（birth weight too low）').max(7000, '出生体重不超过 7000 克（birth weight too high）').meta({ title: '出生体重（克）' }),
      })
      .meta({ title: '新生儿' }),
    mother: Person.meta({ title: '母亲' }),
    father: Person.meta({ title: '父亲' }),
    household: z
      .object({
        follows: z.enum(['随父', '随母']).meta({ title: '随父或随母落户' }),
        address: Address.meta({ title: '落户地址' }),
      })
      .meta({ title: '户口登记' }),
    medicalInsurance: z.boolean().meta({ title: '参加城乡居民医保' }),
    socialSecurityCard: z.boolean().meta({ title: '申领社会保障卡' }),
    childcareDeduction: z.boolean().meta({ title: '申报 3 岁以下婴幼儿照护专项附加扣除' }),
  })
  .superRefine((f, ctx) => {
    if (f.mother.idNumber === f.father.idNumber) ctx.addIssue({ code: 'custom', path: ['father', 'idNumber'], message: '父亲和母亲的身份证号码相同（parents share an ID number）' });
    for (const parent of ['mother', 'father'] as const) {
      if (birthDateOfResidentId(f[parent].idNumber) >= f.child.birthDate) {
        ctx.addIssue({ code: 'custom', path: [parent, 'idNumber'], message: '父母的出生日期应早于新生儿出生日期（a parent born after the child）' });
      }
    }
  });

const DATE = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

export const newbornV1 = defineMatter({
  id: 'newborn',
  version: 1,
  name: '新生儿出生',
  description: '出生医学证明、预防接种证、户口登记、城乡居民医保参保、社会保障卡申领、个税婴幼儿照护专项附加扣除一次办。',
  statutoryDays: null,
  committedDays: 5,
  form,
  materials: [
    { code: 'application-form', name: '新生儿出生“一件事”联办申请表', required: true },
    { code: 'parents-id', name: '父母身份证', required: true },
    { code: 'household-register', name: '落户方户口簿', required: true },
    { code: 'marriage-certificate', name: '结婚证', required: false },
    { code: 'photo', name: '新生儿照片（申领社保卡时）', required: false },
  ],
  steps: [
    {
      id: 'birth-certificate',
      department: 'hc',
      service: '出生医学证明签发',
      statutoryDays: null,
      committedDays: 1,
      output: titled(z.object({ certificateNumber: z.string().regex(/^[A-Z]\d{9}$/, '出生医学证明编号为 1 位字母加 9 位数字（a letter and 9 digits）'), issuedAt: DATE }).loose()),
      outputExample: { certificateNumber: 'Q350123456', issuedAt: '2025-06-20' },
    },
    {
      id: 'vaccination',
      department: 'hc',
      service: '预防接种证办理',
      statutoryDays: null,
      committedDays: 1,
      output: titled(z.object({ vaccinationCertificateNumber: RefNumber('JZ') }).loose()),
      outputExample: { vaccinationCertificateNumber: 'JZ3501020250618' },
    },
    {
      id: 'household',
      department: 'psb',
      service: '出生登记（户口申报）',
      dependsOn: ['birth-certificate'],
      statutoryDays: null,
      committedDays: 1,
      output: titled(z.object({ childIdNumber: ResidentId, registeredAt: DATE }).loose()),
      outputExample: { childIdNumber: '110108202506183033', registeredAt: '2025-06-21' },
    },
    {
      id: 'medical-insurance',
      department: 'nhsa',
      service: '城乡居民基本医疗保险参保登记',
      dependsOn: ['household'],
      when: { field: 'medicalInsurance', equals: true },
      statutoryDays: null,
      committedDays: 1,
      output: titled(z.object({ insuranceNumber: RefNumber('YB'), coverageFrom: DATE }).loose()),
      outputExample: { insuranceNumber: 'YB35010220250001', coverageFrom: '2025-06-18' },
    },
    {
      id: 'social-security-card',
      department: 'hrss',
      service: '社会保障卡申领',
      dependsOn: ['household'],
      when: { field: 'socialSecurityCard', equals: true },
      statutoryDays: null,
      committedDays: 3,
      output: titled(z.object({ cardNumber: z.string().regex(/^[A-Z0-9]{9}$/, '社会保障卡卡号为 9 位字母或数字（9 characters）'), delivery: z.enum(['窗口领取', '邮寄']) }).loose()),
      outputExample: { cardNumber: 'D35012345', delivery: '邮寄' },
    },
    {
      id: 'childcare-deduction',
      department: 'tax',
      service: '3 岁以下婴幼儿照护专项附加扣除信息采集',
      dependsOn: ['household'],
      when: { field: 'childcareDeduction', equals: true },
      statutoryDays: null,
      committedDays: 1,
      // 2,000 yuan a month per child since 2023 (国发〔2023〕13号), shared by the parents.
      output: titled(z.object({ monthlyDeductionYuan: z.number().min(0).max(2000), deductionFrom: DATE }).loose()),
      outputExample: { monthlyDeductionYuan: 2000, deductionFrom: '2025-06-01' },
    },
  ],
  example: {
    child: { name: '周小满', gender: '男', birthDate: '2025-06-18', birthPlace: '福建省妇幼保健院', weightGrams: 3300 },
    mother: { name: '林一', idNumber: '120101199208302025', phone: '13100131000' },
    father: { name: '周八', idNumber: '110108199301268098', phone: '13400134000' },
    household: { follows: '随父', address: '福建省福州市鼓楼区温泉路 12 号 3 座 801 单元' },
    medicalInsurance: true,
    socialSecurityCard: true,
    childcareDeduction: true,
  },
  otherExamples: [
    {
      title: '只办出生证明、接种证和落户',
      form: {
        child: { name: '林小雨', gender: '女', birthDate: '2025-09-01', birthPlace: '福州市第一医院', weightGrams: 3050 },
        mother: { name: '林一', idNumber: '120101199208302025', phone: '13100131000' },
        father: { name: '周八', idNumber: '110108199301268098', phone: '13400134000' },
        household: { follows: '随母', address: '福建省福州市台江区江滨中大道 200 号' },
        medicalInsurance: false,
        socialSecurityCard: false,
        childcareDeduction: false,
      },
    },
  ],
  exampleApplicant: { name: '林一', idType: 'resident-id', idNumber: '120101199208302025', phone: '13100131000' },
});
