import { defineMatter } from '@onematter/engine';
import { z } from 'zod';
import { titled } from '../outputTitles.js';
import { Address, OrgName, Person, RefNumber, TaxpayerId } from '../fields.js';
import { Uscc } from '../validators.js';

/**
 * 开办餐饮店 (opening a restaurant), first batch of 2024.
 *
 * 市场监管 issues the licence and the 食品经营许可, 公安 files the seal, 税务 confirms tax
 * matters, all filed together (shared/MATTERS.md §2 [16]); the 食品经营许可 needs the
 * licence's registration (inferred). Conditional steps, decided from the form:
 * - 酒类经营许可 when the restaurant sells alcohol (provinces with a 酒类管理条例; who
 *   issues it varies, here 市场监管 — inferred);
 * - 公众聚集场所投入使用、营业前消防安全检查 (消防法 Art. 15) from 300 m² of business area:
 *   the law covers every 公众聚集场所; small eateries are commonly exempt, and the 300 m²
 *   threshold is ours (inferred), to be set per region.
 *
 * Limits (working days):
 * - licence 3 (市场主体登记管理条例 Art. 19), committed 1 (Alxa: half a day [16]).
 * - 食品经营许可 20 (食品经营许可管理办法 2015 Art. 17; the 2023 rules shortened it, not
 *   verified here), committed 4; alcohol licence the same (inferred).
 * - fire check 10 (消防法 Art. 15, inspection within 10 working days of acceptance),
 *   committed 3. Seal 1/1, tax 2/1 (国办发〔2018〕32号).
 * - matter: statutory 3 + 20 = 23 on the longest path; committed 1 + 4 = 5.
 */

const form = z.object({
  enterpriseName: OrgName.meta({ title: '名称（字号）' }),
  subjectType: z.enum(['个体工商户', '有限责任公司', '个人独资企业']).meta({ title: '主体类型' }),
  operator: Person.meta({ title: '经营者或法定代表人' }),
  address: Address.meta({ title: '经营场所' }),
  businessAreaSqm: z.number().positive('经营面积须大于 0（area must be positive）').max(100_000).meta({ title: '经营面积（平方米）' }),
  seats: z.number().int().min(0).max(10_000).meta({ title: '就餐座位数' }),
  cateringItems: z
    .array(z.enum(['热食类食品制售', '冷食类食品制售', '生食类食品制售', '半成品制售', '自制饮品制售', '预包装食品销售']))
    .min(1, '至少选择一项经营项目（choose at least one item）')
    .meta({ title: '经营项目' }),
  sellsAlcohol: z.boolean().meta({ title: '是否销售酒类' }),
  seals: z.array(z.enum(['公章', '财务专用章', '发票专用章'])).min(1, '至少刻制一枚印章（at least one seal）').meta({ title: '刻制印章' }),
});

export const restaurantV1 = defineMatter({
  id: 'restaurant',
  version: 1,
  name: '开办餐饮店',
  description: '营业执照、食品经营许可、印章刻制、涉税事项一表申请、并联办理；销售酒类的加办酒类经营许可，较大的经营场所加办营业前消防安全检查。',
  // The licences of several departments handled jointly (一窗受理、联合办理, 行政许可法 Art. 26).
  statutoryDays: 45,
  statutoryBasis: '《行政许可法》第四十二条第二款（联合办理）',
  extensionDays: 15,
  extensionBasis: '《行政许可法》第四十二条第二款（经本级人民政府负责人批准）',
  committedDays: 5,
  form,
  materials: [
    { code: 'application-form', name: '开办餐饮店申请表', required: true },
    { code: 'identity-documents', name: '经营者身份证明', required: true },
    { code: 'premises-proof', name: '经营场所使用证明', required: true },
    { code: 'layout-plan', name: '经营场所平面布局图及设备布局、工艺流程图', required: true },
    { code: 'food-safety-rules', name: '食品安全管理制度及食品安全管理人员证明', required: true },
    { code: 'fire-commitment', name: '消防安全承诺书（需消防安全检查时）', required: false },
  ],
  steps: [
    {
      id: 'licence',
      department: 'samr',
      service: '登记注册（核发营业执照）',
      statutoryDays: 3, statutoryBasis: '《市场主体登记管理条例》第十九条', extensionDays: 3, extensionBasis: '《市场主体登记管理条例》第十九条',
      committedDays: 1,
      output: titled(z.object({ unifiedSocialCreditCode: Uscc, licenceNumber: z.string().min(1) }).loose()),
      outputExample: { unifiedSocialCreditCode: '91350100M000100Y43', licenceNumber: 'L350100202600004' },
    },
    { id: 'seal', department: 'psb', service: '公章刻制备案', dependsOn: ['licence'], statutoryDays: null, committedDays: 1, output: titled(z.object({ sealFilingNumber: z.string().min(1) }).loose()), outputExample: { sealFilingNumber: 'YZ2026000003' } },
    { id: 'tax', department: 'tax', service: '涉税事项确认及发票申领', dependsOn: ['licence'], statutoryDays: null, committedDays: 1, output: titled(z.object({ taxpayerId: TaxpayerId('licence') }).loose()), outputExample: { taxpayerId: '91350100M000100Y43', invoiceQuota: 25 } },
    {
      id: 'food',
      department: 'samr',
      service: '食品经营许可',
      dependsOn: ['licence'],
      statutoryDays: 20, statutoryBasis: '《行政许可法》第四十二条', extensionDays: 10, extensionBasis: '《行政许可法》第四十二条',
      committedDays: 4,
      output: titled(z.object({ foodLicenceNumber: z.string().regex(/^JY\d{14}$/, '食品经营许可证编号为 JY 加 14 位数字（JY and 14 digits）'), validUntil: z.string().regex(/^\d{4}-\d{2}-\d{2}$/) }).loose()),
      outputExample: { foodLicenceNumber: 'JY23501020012345', validUntil: '2031-03-01' },
    },
    {
      id: 'alcohol',
      department: 'samr',
      service: '酒类经营许可',
      dependsOn: ['licence'],
      when: { field: 'sellsAlcohol', equals: true },
      statutoryDays: null,
      committedDays: 4,
      output: titled(z.object({ alcoholLicenceNumber: RefNumber('JL') }).loose()),
      outputExample: { alcoholLicenceNumber: 'JL350100202600012' },
    },
    {
      id: 'fire',
      department: 'fire',
      service: '公众聚集场所投入使用、营业前消防安全检查',
      dependsOn: ['licence'],
      when: { field: 'businessAreaSqm', gte: 300 },
      statutoryDays: null,
      committedDays: 3,
      // 告知承诺制: the law lets the fire service approve on the operator's commitment and check afterwards.
      commitment: { checkDays: 20, basis: '《中华人民共和国消防法》第十五条（告知承诺，消防救援机构及时核查；核查期限 20 个工作日为本中心承诺，法律未规定天数）' },
      output: titled(z.object({ inspectionNumber: RefNumber('XF'), result: z.enum(['合格', '告知承诺后核查']) }).loose()),
      outputExample: { inspectionNumber: 'XF350100202600007', result: '合格' },
    },
  ],
  example: {
    enterpriseName: '福州市鼓楼区老王面馆',
    subjectType: '个体工商户',
    operator: { name: '王五', idNumber: '370102197912011110', phone: '13700137000' },
    address: '福建省福州市鼓楼区杨桥中路 88 号',
    businessAreaSqm: 80,
    seats: 30,
    cateringItems: ['热食类食品制售'],
    sellsAlcohol: false,
    seals: ['公章'],
  },
  otherExamples: [
    {
      title: '销售酒类、面积 600 平方米的酒楼（加办酒类许可和消防安全检查）',
      form: {
        enterpriseName: '福州市闽江一件事酒楼有限公司',
        subjectType: '有限责任公司',
        operator: { name: '王五', idNumber: '370102197912011110', phone: '13700137000' },
        address: '福建省福州市台江区江滨中大道 66 号',
        businessAreaSqm: 600,
        seats: 220,
        cateringItems: ['热食类食品制售', '冷食类食品制售', '预包装食品销售'],
        sellsAlcohol: true,
        seals: ['公章', '财务专用章', '发票专用章'],
      },
    },
  ],
  exampleApplicant: { name: '王五', idType: 'resident-id', idNumber: '370102197912011110', phone: '13700137000' },
});
