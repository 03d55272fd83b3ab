import { defineMatter } from '@onematter/engine';
import { z } from 'zod';
import { titled } from '../outputTitles.js';
import { Person, RefNumber } from '../fields.js';

/**
 * 残疾人服务 (services for persons with disabilities), first batch of 2024.
 *
 * A designated hospital (卫健) assesses the disability, 残联 issues the 残疾人证, and with
 * the certificate 民政 grants the two subsidies (困难残疾人生活补贴 for low-income families,
 * 重度残疾人护理补贴 for grades 一 and 二: 国发〔2015〕52号) and 人社 pays the rural/urban
 * residents' pension contribution for the severely disabled, each only when the form asks.
 * Departments and order are inferred (shared/MATTERS.md: not verified). The categories are
 * those of GB/T 26341-2010.
 *
 * Limits (working days): none verified; 20 each as the 行政许可法 Art. 42 frame (inferred).
 * Committed: assessment 5, certificate 3, subsidies 5 (inferred). Matter: 20 × 3 = 60;
 * committed 5 + 3 + 5 = 13.
 */

const form = z
  .object({
    person: Person.meta({ title: '申请人（残疾人）' }),
    guardian: Person.optional().meta({ title: '监护人或代办人' }),
    applyType: z.enum(['首次申领', '换领', '等级变更']).meta({ title: '申请类型' }),
    category: z.enum(['视力残疾', '听力残疾', '言语残疾', '肢体残疾', '智力残疾', '精神残疾', '多重残疾']).meta({ title: '残疾类别' }),
    assessmentHospital: z.string().trim().min(4, '请填写评定医院（assessment hospital required）').max(100).meta({ title: '指定评定医院' }),
    lowIncomeFamily: z.boolean().meta({ title: '是否低保或低保边缘家庭' }),
    applyLivingSubsidy: z.boolean().meta({ title: '申请困难残疾人生活补贴' }),
    applyCareSubsidy: z.boolean().meta({ title: '申请重度残疾人护理补贴' }),
    applyPensionSupport: z.boolean().meta({ title: '申请城乡居民养老保险代缴' }),
  })
  .superRefine((f, ctx) => {
    // 国发〔2015〕52号: the living subsidy is for 低保 families (and, where provided, 低保边缘).
    if (f.applyLivingSubsidy && !f.lowIncomeFamily) ctx.addIssue({ code: 'custom', path: ['applyLivingSubsidy'], message: '困难残疾人生活补贴限低保或低保边缘家庭（for low-income families only）' });
    if (['智力残疾', '精神残疾'].includes(f.category) && !f.guardian) ctx.addIssue({ code: 'custom', path: ['guardian'], message: '智力、精神残疾人申请须由监护人代办（a guardian must apply）' });
    if (f.guardian && f.guardian.idNumber === f.person.idNumber) ctx.addIssue({ code: 'custom', path: ['guardian', 'idNumber'], message: '监护人不能是申请人本人（the guardian is the applicant）' });
  });

const DATE = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const subsidy = z.object({ approvalNumber: RefNumber('BT'), monthlyYuan: z.number().positive(), startsFrom: DATE }).loose();

export const disabilityServicesV1 = defineMatter({
  id: 'disability-services',
  version: 1,
  name: '残疾人服务',
  description: '残疾评定、残疾人证核发，困难残疾人生活补贴、重度残疾人护理补贴和城乡居民养老保险代缴按需联办。',
  statutoryDays: null,
  committedDays: 13,
  form,
  materials: [
    { code: 'application-form', name: '残疾人证申请表', required: true },
    { code: 'identity-document', name: '居民身份证或户口簿', required: true },
    { code: 'photo', name: '近期免冠照片', required: true },
    { code: 'medical-records', name: '病历等医疗诊断材料', required: false },
    { code: 'low-income-proof', name: '低保证明（申请生活补贴时）', required: false },
  ],
  steps: [
    {
      id: 'assessment',
      department: 'hc',
      service: '残疾评定（指定医疗机构）',
      statutoryDays: null,
      committedDays: 5,
      output: titled(z.object({ assessmentNumber: RefNumber('PD'), grade: z.enum(['一级', '二级', '三级', '四级']), assessedAt: DATE }).loose()),
      outputExample: { assessmentNumber: 'PD2026000123', grade: '二级', assessedAt: '2026-03-02' },
    },
    {
      id: 'certificate',
      department: 'dpf',
      service: '残疾人证核发',
      dependsOn: ['assessment'],
      statutoryDays: null,
      committedDays: 3,
      // 第二代残疾人证号: the 18-digit ID number, the category digit (1–7) and the grade digit (1–4).
      output: titled(z.object({ certificateNumber: z.string().regex(/^\d{17}[\dX][1-7][1-4]$/, '残疾人证号为身份证号加类别、等级两位（ID number + category + grade）'), validUntil: DATE }).loose()),
      outputExample: { certificateNumber: '33010619801121607442', validUntil: '2036-03-02' },
    },
    {
      id: 'living-subsidy',
      department: 'ca',
      service: '困难残疾人生活补贴',
      dependsOn: ['certificate'],
      when: { field: 'applyLivingSubsidy', equals: true },
      statutoryDays: null,
      committedDays: 5,
      output: titled(subsidy),
      outputExample: { approvalNumber: 'BT2026000123', monthlyYuan: 100, startsFrom: '2026-04-01' },
    },
    {
      id: 'care-subsidy',
      department: 'ca',
      service: '重度残疾人护理补贴',
      dependsOn: ['certificate'],
      when: { field: 'applyCareSubsidy', equals: true },
      statutoryDays: null,
      committedDays: 5,
      output: titled(subsidy),
      outputExample: { approvalNumber: 'BT2026000124', monthlyYuan: 120, startsFrom: '2026-04-01' },
    },
    {
      id: 'pension-support',
      department: 'hrss',
      service: '重度残疾人城乡居民养老保险代缴',
      dependsOn: ['certificate'],
      when: { field: 'applyPensionSupport', equals: true },
      statutoryDays: null,
      committedDays: 5,
      output: titled(z.object({ supportReference: RefNumber('DJ'), annualYuan: z.number().positive() }).loose()),
      outputExample: { supportReference: 'DJ2026000123', annualYuan: 200 },
    },
  ],
  example: {
    person: { name: '钱十一', idNumber: '330106198011216074', phone: '13000130000' },
    applyType: '首次申领',
    category: '肢体残疾',
    assessmentHospital: '杭州市第一人民医院',
    lowIncomeFamily: true,
    applyLivingSubsidy: true,
    applyCareSubsidy: true,
    applyPensionSupport: true,
  },
  otherExamples: [
    {
      title: '监护人代办换领残疾人证，不申请补贴',
      form: {
        person: { name: '钱十一', idNumber: '330106198011216074', phone: '13000130000' },
        guardian: { name: '钱老大', idNumber: '320102195502024148', phone: '13000130001' },
        applyType: '换领',
        category: '智力残疾',
        assessmentHospital: '杭州市第七人民医院',
        lowIncomeFamily: false,
        applyLivingSubsidy: false,
        applyCareSubsidy: false,
        applyPensionSupport: false,
      },
    },
  ],
  exampleApplicant: { name: '钱十一', idType: 'resident-id', idNumber: '330106198011216074', phone: '13000130000' },
});
