import { defineMatter } from '@onematter/engine';
import { z } from 'zod';
import { titled } from '../outputTitles.js';
import { Address, OrgName, Person, PersonName, RefNumber } from '../fields.js';
import { CnMobile, Uscc } from '../validators.js';

/**
 * 企业信息变更 (enterprise information change), first batch of 2024 (国发〔2024〕3号).
 *
 * 市场监管 records the change; 税务, 人社, 医保 and 公积金 take it from shared data, so
 * registration first, then those four in parallel (shared/MATTERS.md §2, the order is
 * inferred). Two steps apply only when the form says so: a new name needs new seals
 * (公安 filing) and a new name or legal representative must be told to the bank.
 *
 * Limits (working days):
 * - registration: 3, 市场主体登记管理条例 Art. 19 (registered on the spot, else within 3
 *   working days); committed 0 (即办): Shanghai's name change takes 10 minutes [13].
 * - the follow-on updates have no published limit (inferred ceiling 5); they read shared
 *   data, committed 1. Seal filing 1/1 as in enterprise setup (国办发〔2018〕32号).
 * - matter: statutory 3 + 5 = 8 on the longest path; committed 2.
 */

const CHANGE_ITEMS = ['名称', '住所', '法定代表人', '注册资本', '经营范围'] as const;

const form = z
  .object({
    enterpriseUscc: Uscc.meta({ title: '统一社会信用代码' }),
    enterpriseName: OrgName.meta({ title: '企业名称（变更前）' }),
    changeItems: z
      .array(z.enum(CHANGE_ITEMS))
      .min(1, '至少选择一项变更事项（choose at least one item to change）')
      .refine((a) => new Set(a).size === a.length, '变更事项不能重复（items must not repeat）')
      .meta({ title: '变更事项' }),
    newValues: z
      .object({
        name: OrgName.optional().meta({ title: '新名称' }),
        address: Address.optional().meta({ title: '新住所' }),
        legalRepresentative: Person.optional().meta({ title: '新法定代表人' }),
        registeredCapital: z.number().positive('注册资本须大于 0（registered capital must be positive）').max(1e8).optional().meta({ title: '新注册资本（万元）' }),
        businessScope: z.string().trim().min(4, '经营范围过短（business scope too short）').max(2000).optional().meta({ title: '新经营范围' }),
      })
      .meta({ title: '变更后内容' }),
    contact: z.object({ name: PersonName, phone: CnMobile }).meta({ title: '联系人' }),
  })
  .superRefine((f, ctx) => {
    const key = { 名称: 'name', 住所: 'address', 法定代表人: 'legalRepresentative', 注册资本: 'registeredCapital', 经营范围: 'businessScope' } as const;
    for (const item of f.changeItems) {
      if (f.newValues[key[item]] === undefined) {
        ctx.addIssue({ code: 'custom', path: ['newValues', key[item]], message: `已选择变更“${item}”，请填写变更后的${item}（new value required）` });
      }
    }
    if (f.newValues.name !== undefined && f.newValues.name === f.enterpriseName) {
      ctx.addIssue({ code: 'custom', path: ['newValues', 'name'], message: '新名称与原名称相同（the new name is the old one）' });
    }
  });

const update = (prefix: string) => z.object({ updateReference: RefNumber(prefix), effectiveDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/) }).loose();

export const enterpriseChangeV1 = defineMatter({
  id: 'enterprise-change',
  version: 1,
  name: '企业信息变更',
  description: '名称、住所、法定代表人、注册资本、经营范围变更一次申请；税务、社保、医保、公积金信息同步变更，需要时同步刻章备案、银行账户变更。',
  statutoryDays: null,
  committedDays: 2,
  /**
   * 即办件: a change that needs no new seal and no bank update is registered on the spot
   * (《市场主体登记管理条例》第十九条: 当场登记) and the four departments take it from shared
   * data (inferred, shared/MATTERS.md: Shanghai's name change in 10 minutes), so the window
   * completes it while the applicant waits.
   */
  onTheSpot: { not: { any: [{ field: 'changeItems', contains: '名称' }, { field: 'changeItems', contains: '法定代表人' }] } },
  form,
  materials: [
    { code: 'change-application', name: '企业变更登记（备案）申请书', required: true },
    { code: 'resolution', name: '股东会决议或股东决定', required: true },
    { code: 'articles-amendment', name: '修改后的公司章程或章程修正案', required: true },
    { code: 'address-proof', name: '新住所使用证明（变更住所时）', required: false },
    { code: 'representative-id', name: '新法定代表人身份证明（变更法定代表人时）', required: false },
  ],
  steps: [
    {
      id: 'registration',
      department: 'samr',
      service: '变更登记（换发营业执照）',
      statutoryDays: 3, statutoryBasis: '《市场主体登记管理条例》第十九条', extensionDays: 3, extensionBasis: '《市场主体登记管理条例》第十九条',
      committedDays: 0,
      output: titled(z.object({ unifiedSocialCreditCode: Uscc, licenceNumber: z.string().min(1), changeRecordNumber: RefNumber('BG') }).loose()),
      outputExample: { unifiedSocialCreditCode: '91350100M000100Y43', licenceNumber: 'L350100202600002', changeRecordNumber: 'BG2026000123' },
    },
    { id: 'tax', department: 'tax', service: '税务登记信息同步变更', dependsOn: ['registration'], statutoryDays: null, committedDays: 1, output: titled(update('SW')), outputExample: { updateReference: 'SW2026000123', effectiveDate: '2026-03-02' } },
    { id: 'hrss', department: 'hrss', service: '社会保险登记信息同步变更', dependsOn: ['registration'], statutoryDays: null, committedDays: 1, output: titled(update('SB')), outputExample: { updateReference: 'SB2026000123', effectiveDate: '2026-03-02' } },
    { id: 'nhsa', department: 'nhsa', service: '医疗保险登记信息同步变更', dependsOn: ['registration'], statutoryDays: null, committedDays: 1, output: titled(update('YB')), outputExample: { updateReference: 'YB2026000123', effectiveDate: '2026-03-02' } },
    { id: 'hpf', department: 'hpf', service: '住房公积金单位信息同步变更', dependsOn: ['registration'], statutoryDays: null, committedDays: 1, output: titled(update('GJJ')), outputExample: { updateReference: 'GJJ2026000123', effectiveDate: '2026-03-02' } },
    {
      id: 'seal',
      department: 'psb',
      service: '新名称印章刻制备案',
      dependsOn: ['registration'],
      // The seal carries the name: only a new name needs new seals.
      when: { field: 'changeItems', contains: '名称' },
      statutoryDays: null,
      committedDays: 1,
      output: titled(z.object({ sealFilingNumber: z.string().min(1) }).loose()),
      outputExample: { sealFilingNumber: 'YZ2026000001' },
    },
    {
      id: 'bank',
      department: 'bank',
      service: '银行结算账户信息变更',
      dependsOn: ['registration'],
      // 人民币银行结算账户管理办法: the depositor reports a new name or legal representative to its bank.
      when: { any: [{ field: 'changeItems', contains: '名称' }, { field: 'changeItems', contains: '法定代表人' }] },
      statutoryDays: null,
      committedDays: 1,
      output: titled(z.object({ accountNumber: z.string().regex(/^\d{12,25}$/, '账号应为 12–25 位数字（account number: 12-25 digits）'), updateReference: RefNumber('YH') }).loose()),
      outputExample: { accountNumber: '6222020200123456789', updateReference: 'YH2026000123' },
    },
  ],
  example: {
    enterpriseUscc: '91350100M000100Y43',
    enterpriseName: '福州市一件事科技有限公司',
    changeItems: ['名称', '法定代表人'],
    newValues: {
      name: '福州市一件事数字科技有限公司',
      legalRepresentative: { name: '王五', idNumber: '370102197912011110', phone: '13700137000' },
    },
    contact: { name: '张三', phone: '13800138000' },
  },
  otherExamples: [
    {
      title: '只变更住所（无需刻章和银行变更）',
      form: {
        enterpriseUscc: '91350100M000100Y43',
        enterpriseName: '福州市一件事科技有限公司',
        changeItems: ['住所'],
        newValues: { address: '福建省福州市台江区江滨中大道 200 号' },
        contact: { name: '张三', phone: '13800138000' },
      },
    },
  ],
  exampleApplicant: { name: '张三', idType: 'resident-id', idNumber: '11010519491231002X', phone: '13800138000' },
});
