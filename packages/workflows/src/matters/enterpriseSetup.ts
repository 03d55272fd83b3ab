import { defineMatter } from '@onematter/engine';
import { z } from 'zod';
import { titled } from '../outputTitles.js';
import { CnMobile, ResidentId, Uscc } from '../validators.js';
import { TaxpayerId } from '../fields.js';

/**
 * 企业开办 (enterprise setup): 设立登记 first; its unified social credit code feeds
 * 公章刻制, 发票/税控, 银行开户, 社保, 医保 and 公积金, which run in parallel.
 * Limits: the only statutory one is 设立登记's, 市场主体登记管理条例 Art. 19: on the spot,
 * otherwise within 3 working days, + 3 with the registration authority head's approval.
 * No law sets a limit for the bundle, nor for 刻章, 发票, 开户, 社保, 医保, 公积金 (国办发〔2018〕32号's
 * 8.5 working days is a policy target, not law): null (无法定时限). Committed 3 for the case,
 * 1 per step; a centre overrides these with --commitments. See shared/MATTERS.md §3.
 */

const Person = z.object({
  name: z.string().trim().min(2, '姓名至少 2 个字（name too short）').max(30),
  idNumber: ResidentId,
  phone: CnMobile,
});

const form = z.object({
  enterpriseName: z.string().trim().min(4, '企业名称至少 4 个字（enterprise name too short）').max(60).meta({ title: '企业名称' }),
  enterpriseType: z
    .enum(['有限责任公司', '股份有限公司', '个人独资企业', '合伙企业'])
    .meta({ title: '企业类型' }),
  registeredCapital: z.number().positive('注册资本须大于 0（registered capital must be positive）').max(1e8).meta({ title: '注册资本（万元）' }),
  businessScope: z.string().trim().min(4).max(2000).meta({ title: '经营范围' }),
  address: z.string().trim().min(6, '住所地址过短（address too short）').max(200).meta({ title: '住所' }),
  legalRepresentative: Person.meta({ title: '法定代表人' }),
  employees: z.number().int().min(0).max(100000).meta({ title: '参保员工人数' }),
  seals: z
    .array(z.enum(['公章', '财务专用章', '发票专用章', '合同专用章', '法定代表人名章']))
    .min(1, '至少刻制一枚印章（at least one seal）')
    .meta({ title: '刻制印章' }),
  invoice: z
    .object({
      type: z.enum(['增值税普通发票', '增值税专用发票', '数电发票']).meta({ title: '发票种类' }),
      monthlyQuota: z.number().int().min(1).max(10000).meta({ title: '每月领用份数' }),
    })
    .meta({ title: '发票申领' }),
  bank: z.object({ name: z.string().trim().min(2).meta({ title: '开户银行' }) }).meta({ title: '银行预约开户' }),
  housingFundRate: z.number().min(5).max(12).meta({ title: '公积金缴存比例（%）' }),
});

export const enterpriseSetupV1 = defineMatter({
  id: 'enterprise-setup',
  version: 1,
  name: '企业开办',
  description: '设立登记、公章刻制、发票申领、银行开户、社保医保登记、公积金缴存登记，一表申请、一窗受理、一次办结。',
  statutoryDays: null,
  committedDays: 3,
  form,
  materials: [
    { code: 'application-form', name: '公司登记（备案）申请书', required: true },
    { code: 'articles-of-association', name: '公司章程', required: true },
    { code: 'identity-documents', name: '法定代表人、股东身份证明', required: true },
    // 容缺 (国发〔2024〕3号: 容缺事项承诺办): the window may accept without it on a signed promise (see docs/catalogue.md).
    { code: 'address-proof', name: '住所使用证明', required: true, deferrable: true, promiseDays: 5 },
    { code: 'seal-authorisation', name: '刻章委托书', required: false },
  ],
  steps: [
    {
      id: 'samr',
      department: 'samr',
      service: '设立登记（核发营业执照）',
      dependsOn: [],
      statutoryDays: 3, statutoryBasis: '《市场主体登记管理条例》第十九条', extensionDays: 3, extensionBasis: '《市场主体登记管理条例》第十九条',
      committedDays: 1,
      output: titled(z.object({ unifiedSocialCreditCode: Uscc, licenceNumber: z.string().min(1) }).loose()),
      outputExample: { unifiedSocialCreditCode: '91350100M000100Y43', licenceNumber: 'L350100202600001' },
    },
    {
      id: 'psb',
      department: 'psb',
      service: '公章刻制备案',
      dependsOn: ['samr'],
      statutoryDays: null,
      committedDays: 1,
      output: titled(z.object({ sealFilingNumber: z.string().min(1) }).loose()),
      outputExample: { sealFilingNumber: 'YZ3501002026000001' },
    },
    {
      id: 'tax',
      department: 'tax',
      service: '发票申领及税控设备',
      dependsOn: ['samr'],
      statutoryDays: null,
      committedDays: 1,
      output: titled(z.object({ taxpayerId: TaxpayerId('samr') }).loose()),
      outputExample: { taxpayerId: '91350100M000100Y43', invoiceQuota: 25 },
    },
    {
      id: 'bank',
      department: 'bank',
      service: '银行预约开户（基本存款账户）',
      dependsOn: ['samr'],
      statutoryDays: null,
      committedDays: 1,
      output: titled(z.object({ accountNumber: z.string().regex(/^\d{12,25}$/, 'account number: 12-25 digits') }).loose()),
      outputExample: { accountNumber: '6222020200123456789', bankName: '中国工商银行' },
    },
    {
      id: 'hrss',
      department: 'hrss',
      service: '社会保险参保登记',
      dependsOn: ['samr'],
      statutoryDays: null,
      committedDays: 1,
      output: titled(z.object({ socialInsuranceNumber: z.string().min(1) }).loose()),
      outputExample: { socialInsuranceNumber: 'SB35010020260001' },
    },
    {
      id: 'nhsa',
      department: 'nhsa',
      service: '医疗保险参保登记',
      dependsOn: ['samr'],
      statutoryDays: null,
      committedDays: 1,
      output: titled(z.object({ medicalInsuranceNumber: z.string().min(1) }).loose()),
      outputExample: { medicalInsuranceNumber: 'YB35010020260001' },
    },
    {
      id: 'hpf',
      department: 'hpf',
      service: '住房公积金单位缴存登记',
      dependsOn: ['samr'],
      statutoryDays: null,
      committedDays: 1,
      output: titled(z.object({ housingFundAccount: z.string().min(1) }).loose()),
      outputExample: { housingFundAccount: 'GJJ3501002026000001' },
    },
  ],
  example: {
    enterpriseName: '福州市一件事科技有限公司',
    enterpriseType: '有限责任公司',
    registeredCapital: 100,
    businessScope: '软件开发；信息技术咨询服务',
    address: '福建省福州市鼓楼区五四路 100 号',
    legalRepresentative: { name: '张三', idNumber: '11010519491231002X', phone: '13800138000' },
    employees: 12,
    seals: ['公章', '财务专用章', '发票专用章'],
    invoice: { type: '数电发票', monthlyQuota: 25 },
    bank: { name: '中国工商银行福州鼓楼支行' },
    housingFundRate: 12,
  },
  exampleApplicant: { name: '张三', idType: 'resident-id', idNumber: '11010519491231002X', phone: '13800138000' },
});
