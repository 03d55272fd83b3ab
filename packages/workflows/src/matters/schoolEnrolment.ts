import { defineMatter } from '@onematter/engine';
import { z } from 'zod';
import { titled } from '../outputTitles.js';
import { Address, Person, PersonName, RefNumber, birthDateOfResidentId, yearsBetween } from '../fields.js';
import { ResidentId } from '../validators.js';

/**
 * 教育入学 (compulsory-school enrolment), first batch of 2024 [2].
 *
 * The departments whose data decide a school place check them in parallel — 公安 (household
 * register), 自然资源 (owned home) or 住建 (registered lease), and for children who moved
 * with their parents (随迁子女) 人社 (social insurance) and 公安 (residence permit); 卫健
 * checks the vaccination record (疫苗管理法 Art. 48: schools check it on enrolment) —
 * then 教育 assigns the place. Departments and order are inferred (shared/MATTERS.md: not
 * verified).
 *
 * Limits (working days): none published; the checks 5 each, committed 1 (data sharing);
 * the placement 20, committed 5 (inferred). Matter: 5 + 20 = 25; committed 1 + 5 = 6.
 * Age: a primary-school child turns 6 by 31 August of the enrolment year (义务教育法 Art. 11
 * says six; the 31 August cut-off is the common local rule, inferred).
 */

const form = z
  .object({
    child: z
      .object({
        name: PersonName.meta({ title: '儿童姓名' }),
        idNumber: ResidentId.meta({ title: '儿童身份证号码' }),
        gender: z.enum(['男', '女']).meta({ title: '性别' }),
      })
      .meta({ title: '入学儿童' }),
    guardian: Person.meta({ title: '监护人' }),
    relation: z.enum(['父亲', '母亲', '其他监护人']).meta({ title: '与儿童关系' }),
    schoolStage: z.enum(['小学', '初中']).meta({ title: '入学阶段' }),
    enrolmentYear: z.number().int().min(2020).max(2100).meta({ title: '入学年份' }),
    district: z.string().trim().min(2).max(30).meta({ title: '申请学区（县区）' }),
    householdType: z.enum(['本地户籍', '随迁子女']).meta({ title: '户籍类型' }),
    housing: z.enum(['自有住房', '租赁住房']).meta({ title: '居住类型' }),
    homeAddress: Address.meta({ title: '实际居住地址' }),
    residencePermitNumber: z.string().trim().regex(/^[0-9A-Z]{8,20}$/, '居住证编号应为 8–20 位数字或大写字母（residence permit number format）').optional().meta({ title: '居住证编号（随迁子女）' }),
  })
  .superRefine((f, ctx) => {
    const born = birthDateOfResidentId(f.child.idNumber);
    const age = yearsBetween(born, `${f.enrolmentYear}-08-31`);
    if (f.schoolStage === '小学' && (age < 6 || age > 9)) {
      ctx.addIssue({ code: 'custom', path: ['child', 'idNumber'], message: `小学入学儿童应在 ${f.enrolmentYear} 年 8 月 31 日前年满 6 周岁（当时 ${age} 岁）（age for primary school）` });
    }
    if (f.schoolStage === '初中' && (age < 11 || age > 15)) {
      ctx.addIssue({ code: 'custom', path: ['child', 'idNumber'], message: `初中入学年龄一般为 11 至 15 周岁（当时 ${age} 岁）（age for junior secondary school）` });
    }
    if (f.householdType === '随迁子女' && !f.residencePermitNumber) {
      ctx.addIssue({ code: 'custom', path: ['residencePermitNumber'], message: '随迁子女入学须提供居住证编号（residence permit required）' });
    }
    const sex = Number(f.child.idNumber[16]) % 2 === 1 ? '男' : '女';
    if (sex !== f.child.gender) ctx.addIssue({ code: 'custom', path: ['child', 'gender'], message: '性别与身份证号码不一致（gender does not match the ID number）' });
  });

const check = (prefix: string) => z.object({ checkReference: RefNumber(prefix), verified: z.boolean() }).loose();
const checkExample = (prefix: string) => ({ checkReference: `${prefix}2026000123`, verified: true });

export const schoolEnrolmentV1 = defineMatter({
  id: 'school-enrolment',
  version: 1,
  name: '教育入学',
  description: '义务教育入学一次申请：户籍、房产或租赁、社保、居住证、预防接种信息并联核验，教育部门审核分配学位。',
  statutoryDays: null,
  committedDays: 6,
  form,
  materials: [
    { code: 'enrolment-application', name: '义务教育入学申请表', required: true },
    { code: 'household-register', name: '户口簿', required: true },
    { code: 'housing-proof', name: '不动产权证书或租赁合同', required: true },
    { code: 'residence-permit', name: '居住证（随迁子女）', required: false },
  ],
  steps: [
    { id: 'household-check', department: 'psb', service: '户籍信息核验', statutoryDays: null, committedDays: 1, output: titled(check('HJ')), outputExample: checkExample('HJ') },
    { id: 'property-check', department: 'nrb', service: '不动产登记信息核验', when: { field: 'housing', equals: '自有住房' }, statutoryDays: null, committedDays: 1, output: titled(check('BDC')), outputExample: checkExample('BDC') },
    { id: 'lease-check', department: 'mohurd', service: '房屋租赁登记备案核验', when: { field: 'housing', equals: '租赁住房' }, statutoryDays: null, committedDays: 1, output: titled(check('ZL')), outputExample: checkExample('ZL') },
    { id: 'insurance-check', department: 'hrss', service: '父母社会保险缴纳信息核验', when: { field: 'householdType', equals: '随迁子女' }, statutoryDays: null, committedDays: 1, output: titled(check('SB')), outputExample: checkExample('SB') },
    { id: 'residence-permit-check', department: 'psb', service: '居住证信息核验', when: { field: 'householdType', equals: '随迁子女' }, statutoryDays: null, committedDays: 1, output: titled(check('JZZ')), outputExample: checkExample('JZZ') },
    { id: 'vaccination-check', department: 'hc', service: '预防接种证查验', statutoryDays: null, committedDays: 1, output: titled(check('JZ')), outputExample: checkExample('JZ') },
    {
      id: 'placement',
      department: 'edu',
      service: '入学资格审核与学位分配',
      dependsOn: ['household-check', 'property-check', 'lease-check', 'insurance-check', 'residence-permit-check', 'vaccination-check'],
      statutoryDays: null,
      committedDays: 5,
      output: titled(z.object({ admissionNumber: RefNumber('RX'), school: z.string().min(2), reportDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/) }).loose()),
      outputExample: { admissionNumber: 'RX2026000123', school: '福州市鼓楼第一中心小学', reportDate: '2026-08-30' },
    },
  ],
  example: {
    child: { name: '周小安', idNumber: '44030520190520304X', gender: '女' },
    guardian: { name: '周八', idNumber: '110108199301268098', phone: '13400134000' },
    relation: '父亲',
    schoolStage: '小学',
    enrolmentYear: 2025,
    district: '鼓楼区',
    householdType: '本地户籍',
    housing: '自有住房',
    homeAddress: '福建省福州市鼓楼区温泉路 12 号 3 座 801 单元',
  },
  otherExamples: [
    {
      title: '随迁子女租房入读初中',
      form: {
        child: { name: '吴小川', idNumber: '510107201305150618', gender: '男' },
        guardian: { name: '吴大山', idNumber: '510107198407210437', phone: '13300133000' },
        relation: '父亲',
        schoolStage: '初中',
        enrolmentYear: 2025,
        district: '鼓楼区',
        householdType: '随迁子女',
        housing: '租赁住房',
        homeAddress: '福建省福州市鼓楼区五四路 100 号',
        residencePermitNumber: '350102202400123',
      },
    },
  ],
  exampleApplicant: { name: '周八', idType: 'resident-id', idNumber: '110108199301268098', phone: '13400134000' },
});
