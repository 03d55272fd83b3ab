import { defineMatter, type DepartmentId } from '@onematter/engine';
import { z } from 'zod';
import { titled } from '../outputTitles.js';
import { Address, Person, RefNumber, Yuan } from '../fields.js';

/**
 * 二手房转移登记及水电气网联动过户 (resale-home transfer registration with linked utility
 * transfers), first batch of 2024.
 *
 * Order: the transaction taxes are paid first (税费同缴 at the same window), because the
 * registry must see the 契税 receipt before it registers (契税法 Art. 11); then the
 * registry (不动产登记) records the transfer; once it is done, the water, power, gas and
 * network (and, where there is one, heating) accounts move to the buyer in parallel, each
 * company reading the registry's result (the linkage is the point of the matter; the order
 * of the utilities after the registry is inferred). A loan adds the mortgage registration
 * after the transfer.
 *
 * Limits (working days):
 * - tax: no published limit for declaring and paying (inferred ceiling 5); committed 0 (即办).
 * - transfer and mortgage: 30 (不动产登记暂行条例 Art. 20); committed 5, the cap 国办发
 *   〔2019〕8号 set for general and mortgage registrations.
 * - utility transfers: no published limit (inferred ceiling 5); committed 1.
 * - matter: statutory 5 + 30 + 30 = 65 on the longest path (with a loan); committed
 *   0 + 5 + 5 = 10.
 */

const CERTIFICATE = /^[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][（(]\d{4}[）)][\u4e00-\u9fa5]{1,20}不动产权第\d{7}号$/;
/** 不动产单元号 (GB/T 37346-2019): 6 + 6 digits, 2 land-parcel letters, 5 digits, F/L/Q/W and 8 digits. */
const UNIT_NUMBER = /^\d{12}[GJZ][A-Z]\d{5}[FLQW]\d{8}$/;

const Account = (title: string) => z.object({ accountNumber: z.string().trim().regex(/^[0-9A-Z]{6,20}$/, '户号应为 6–20 位数字或大写字母（account number: 6-20 digits or capitals）').meta({ title }) });

const form = z
  .object({
    property: z
      .object({
        certificateNumber: z.string().trim().regex(CERTIFICATE, '不动产权证书号格式应如 闽(2020)福州市不动产权第0012345号（certificate number format）').meta({ title: '不动产权证书号' }),
        unitNumber: z.string().trim().regex(UNIT_NUMBER, '不动产单元号应为 28 位（GB/T 37346）（unit number: 28 characters）').meta({ title: '不动产单元号' }),
        address: Address.meta({ title: '房屋坐落' }),
        areaSqm: z.number().positive('建筑面积须大于 0（area must be positive）').max(100_000).meta({ title: '建筑面积（平方米）' }),
        usage: z.enum(['住宅', '商业', '办公']).meta({ title: '房屋用途' }),
      })
      .meta({ title: '不动产' }),
    sellers: z.array(Person).min(1, '至少一名出卖人（at least one seller）').max(10).meta({ title: '出卖人' }),
    buyers: z.array(Person).min(1, '至少一名买受人（at least one buyer）').max(10).meta({ title: '买受人' }),
    priceYuan: Yuan().meta({ title: '成交价格（元）' }),
    contractNumber: z.string().trim().regex(/^[0-9A-Z-]{6,30}$/, '网签合同编号应为 6–30 位数字、大写字母或连字符（contract number format）').meta({ title: '网签合同编号' }),
    paymentMethod: z.enum(['全款', '商业贷款', '公积金贷款', '组合贷款']).meta({ title: '付款方式' }),
    loan: z.object({ lender: z.string().trim().min(2).max(60).meta({ title: '贷款银行或公积金中心' }), amountYuan: Yuan().meta({ title: '贷款金额（元）' }) }).optional().meta({ title: '贷款' }),
    utilities: z
      .object({
        water: Account('供水户号').meta({ title: '供水账户' }),
        power: Account('供电户号').meta({ title: '供电账户' }),
        gas: Account('燃气户号').meta({ title: '燃气账户' }).optional(),
        network: Account('宽带或有线电视账号').extend({ operator: z.enum(['中国电信', '中国移动', '中国联通', '中国广电']).meta({ title: '运营商' }) }).meta({ title: '宽带或有线电视账户' }).optional(),
        heat: Account('供热户号').meta({ title: '供热账户' }).optional(),
      })
      .meta({ title: '联动过户的水电气网账户' }),
  })
  .superRefine((f, ctx) => {
    const sellers = new Set(f.sellers.map((p) => p.idNumber));
    f.buyers.forEach((b, i) => {
      if (sellers.has(b.idNumber)) ctx.addIssue({ code: 'custom', path: ['buyers', i, 'idNumber'], message: '买受人不能同时是出卖人（a buyer cannot be a seller）' });
    });
    if (f.paymentMethod !== '全款' && !f.loan) ctx.addIssue({ code: 'custom', path: ['loan'], message: '贷款购房须填写贷款信息（loan details required）' });
    if (f.paymentMethod === '全款' && f.loan) ctx.addIssue({ code: 'custom', path: ['loan'], message: '全款购房不填写贷款信息（no loan for a cash purchase）' });
    if (f.loan && f.loan.amountYuan > f.priceYuan) ctx.addIssue({ code: 'custom', path: ['loan', 'amountYuan'], message: '贷款金额不能超过成交价格（loan above the price）' });
  });

const transferOf = (prefix: string) => z.object({ transferReference: RefNumber(prefix), newAccountHolder: z.string().min(2), effectiveDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/) }).loose();

const UTILITIES: { id: string; department: DepartmentId; service: string; prefix: string; field: string }[] = [
  { id: 'water', department: 'water', service: '供水过户', prefix: 'WSGH', field: 'water' },
  { id: 'power', department: 'power', service: '供电过户', prefix: 'DLGH', field: 'power' },
  { id: 'gas', department: 'gas', service: '燃气过户', prefix: 'RQGH', field: 'gas' },
  { id: 'network', department: 'telecom', service: '宽带及有线电视过户', prefix: 'TXGH', field: 'network' },
  { id: 'heat', department: 'heat', service: '供热过户', prefix: 'GRGH', field: 'heat' },
];

const seller = { name: '陈七', idNumber: '330106197507077085', phone: '13500135000' };
const buyer = { name: '周八', idNumber: '110108199301268098', phone: '13400134000' };

export const resaleHousingTransferV1 = defineMatter({
  id: 'resale-housing-transfer',
  version: 1,
  name: '二手房转移登记及水电气网联动过户',
  description: '交易税费同缴、不动产转移登记，登簿后水、电、气、网（及供热）账户同步过户给买受人；贷款购房同步办理抵押登记。',
  statutoryDays: null,
  committedDays: 10,
  form,
  materials: [
    { code: 'registration-application', name: '不动产登记申请书', required: true },
    { code: 'identity-documents', name: '买卖双方身份证明', required: true },
    { code: 'certificate', name: '不动产权证书', required: true },
    { code: 'sale-contract', name: '存量房买卖合同（网签）', required: true },
    { code: 'marital-status', name: '婚姻状况证明', required: false },
    { code: 'loan-contract', name: '借款合同及抵押合同（贷款购房时）', required: false },
  ],
  steps: [
    {
      id: 'tax',
      department: 'tax',
      service: '存量房交易税费申报缴纳（契税、增值税、个人所得税）',
      statutoryDays: null,
      committedDays: 0,
      output: titled(z.object({ taxReceiptNumber: RefNumber('WS'), deedTaxYuan: z.number().min(0) }).loose()),
      outputExample: { taxReceiptNumber: 'WS335010026000123', deedTaxYuan: 28500 },
    },
    {
      id: 'transfer',
      department: 'nrb',
      service: '不动产转移登记',
      dependsOn: ['tax'],
      statutoryDays: null,
      committedDays: 5,
      output: titled(z
        .object({
          certificateNumber: z.string().regex(CERTIFICATE, '不动产权证书号格式（certificate number format）'),
          registeredAt: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
          electronicCertificate: z.boolean(),
        })
        .loose()),
      outputExample: { certificateNumber: '闽(2026)福州市不动产权第0098765号', registeredAt: '2026-03-03', electronicCertificate: true },
    },
    {
      id: 'mortgage',
      department: 'nrb',
      service: '不动产抵押权首次登记（贷款购房）',
      dependsOn: ['transfer'],
      when: { field: 'paymentMethod', in: ['商业贷款', '公积金贷款', '组合贷款'] },
      statutoryDays: null,
      committedDays: 5,
      output: titled(z.object({ mortgageCertificateNumber: z.string().regex(/^[\u4e00-\u9fa5][（(]\d{4}[）)][\u4e00-\u9fa5]{1,20}不动产证明第\d{7}号$/, '不动产登记证明号格式（certificate format）') }).loose()),
      outputExample: { mortgageCertificateNumber: '闽(2026)福州市不动产证明第0045678号' },
    },
    ...UTILITIES.map((u) => ({
      id: u.id,
      department: u.department,
      service: u.service,
      dependsOn: ['transfer'],
      performer: 'company' as const,
      // Water and power belong to every home; the others only when the seller has an account.
      ...(u.id === 'water' || u.id === 'power' ? {} : { when: { field: `utilities.${u.field}`, truthy: true as const } }),
      statutoryDays: null,
      committedDays: 1,
      output: titled(transferOf(u.prefix)),
      outputExample: { transferReference: `${u.prefix}2026000123`, newAccountHolder: buyer.name, effectiveDate: '2026-03-04' },
    })),
  ],
  example: {
    property: {
      certificateNumber: '闽(2020)福州市不动产权第0012345号',
      unitNumber: '350102001001GB00012F00010001',
      address: '福建省福州市鼓楼区温泉路 12 号 3 座 801 单元',
      areaSqm: 95.6,
      usage: '住宅',
    },
    sellers: [seller],
    buyers: [buyer],
    priceYuan: 2_850_000,
    contractNumber: 'FZ2026-000123',
    paymentMethod: '全款',
    utilities: {
      water: { accountNumber: '1002003004' },
      power: { accountNumber: '0512345678' },
      gas: { accountNumber: 'RQ20100234' },
      network: { accountNumber: '059187654321', operator: '中国电信' },
    },
  },
  otherExamples: [
    {
      title: '组合贷款购房，有供热、无燃气和宽带（加办抵押登记和供热过户）',
      form: {
        property: {
          certificateNumber: '冀(2019)石家庄市不动产权第0054321号',
          unitNumber: '130102002003GB00034F00020002',
          address: '河北省石家庄市长安区中山东路 200 号 5 栋 1201 室',
          areaSqm: 120,
          usage: '住宅',
        },
        sellers: [seller],
        buyers: [buyer, { name: '吴九', idNumber: '320102200110103131', phone: '13300133000' }],
        priceYuan: 1_600_000,
        contractNumber: 'SJZ2026-004567',
        paymentMethod: '组合贷款',
        loan: { lender: '中国建设银行石家庄分行', amountYuan: 900_000 },
        utilities: {
          water: { accountNumber: '2001003004' },
          power: { accountNumber: '0311234567' },
          heat: { accountNumber: 'GR30112345' },
        },
      },
    },
  ],
  exampleApplicant: { name: '周八', idType: 'resident-id', idNumber: '110108199301268098', phone: '13400134000' },
});
