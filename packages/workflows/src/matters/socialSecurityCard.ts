import { defineMatter } from '@onematter/engine';
import { z } from 'zod';
import { titled } from '../outputTitles.js';
import { Address, Person, PersonName, RefNumber } from '../fields.js';
import { CnMobile, CnPostalCode } from '../validators.js';

/**
 * 社会保障卡居民服务 (the social security card as a resident's service card), first batch
 * of 2024 [2].
 *
 * 人社 makes the card; with its number the cooperating bank activates the financial
 * account, 医保 enables medical settlement and, when asked, 交通运输 enables transit. Shanxi
 * also links 文旅 and 文物 (libraries, scenic sites) [25]; those read the card data without a
 * task of their own in most places, so they are not modelled (inferred).
 *
 * Limits (working days): none published. Making the card 20 (inferred), committed 3 (cards
 * made on the spot at many windows; mailed cards take longer); the activations 5 each,
 * committed 1. Matter: 20 + 5 = 25; committed 3 + 1 = 4.
 */

const BANKS = ['中国工商银行', '中国农业银行', '中国银行', '中国建设银行', '交通银行', '中国邮政储蓄银行'] as const;

const form = z
  .object({
    holder: Person.meta({ title: '持卡人' }),
    applyType: z.enum(['首次申领', '补领', '换领']).meta({ title: '申领类型' }),
    bank: z.enum(BANKS).meta({ title: '合作银行' }),
    delivery: z.enum(['窗口领取', '邮寄']).meta({ title: '领卡方式' }),
    mailing: z
      .object({
        recipient: PersonName.meta({ title: '收件人' }),
        phone: CnMobile.meta({ title: '收件人电话' }),
        address: Address.meta({ title: '邮寄地址' }),
        postalCode: CnPostalCode.meta({ title: '邮政编码' }),
      })
      .optional()
      .meta({ title: '邮寄信息' }),
    transit: z.boolean().meta({ title: '开通交通出行功能' }),
    lostCardNumber: z.string().trim().regex(/^[A-Z0-9]{9}$/, '原卡卡号为 9 位字母或数字（9 characters）').optional().meta({ title: '原卡卡号（补领、换领）' }),
  })
  .superRefine((f, ctx) => {
    if (f.delivery === '邮寄' && !f.mailing) ctx.addIssue({ code: 'custom', path: ['mailing'], message: '选择邮寄须填写邮寄信息（mailing details required）' });
    if (f.applyType !== '首次申领' && !f.lostCardNumber) ctx.addIssue({ code: 'custom', path: ['lostCardNumber'], message: '补领、换领须填写原卡卡号（former card number required）' });
  });

export const socialSecurityCardV1 = defineMatter({
  id: 'social-security-card',
  version: 1,
  name: '社会保障卡居民服务',
  description: '社会保障卡申领、补换一次办：制卡同时激活金融账户、开通医保结算，按需开通交通出行。',
  statutoryDays: null,
  committedDays: 4,
  form,
  materials: [
    { code: 'application-form', name: '社会保障卡申领登记表', required: true },
    { code: 'identity-document', name: '居民身份证', required: true },
    { code: 'photo', name: '近期免冠证件照', required: true },
  ],
  steps: [
    {
      id: 'card',
      department: 'hrss',
      service: '社会保障卡制发',
      statutoryDays: null,
      committedDays: 3,
      output: titled(z.object({ cardNumber: z.string().regex(/^[A-Z0-9]{9}$/, '社会保障卡卡号为 9 位字母或数字（9 characters）'), issuedAt: z.string().regex(/^\d{4}-\d{2}-\d{2}$/) }).loose()),
      outputExample: { cardNumber: 'D35012345', issuedAt: '2026-03-02' },
    },
    {
      id: 'bank-account',
      department: 'bank',
      service: '社会保障卡金融账户激活',
      dependsOn: ['card'],
      statutoryDays: null,
      committedDays: 1,
      output: titled(z.object({ accountNumber: z.string().regex(/^\d{16,19}$/, '银行账号为 16–19 位数字（16-19 digits）') }).loose()),
      outputExample: { accountNumber: '6214830123456789012' },
    },
    {
      id: 'medical',
      department: 'nhsa',
      service: '医保结算功能开通',
      dependsOn: ['card'],
      statutoryDays: null,
      committedDays: 1,
      output: titled(z.object({ settlementEnabled: z.literal(true), medicalInsuranceNumber: RefNumber('YB') }).loose()),
      outputExample: { settlementEnabled: true, medicalInsuranceNumber: 'YB35010220260001' },
    },
    {
      id: 'transit',
      department: 'mot',
      service: '交通出行功能开通',
      dependsOn: ['card'],
      when: { field: 'transit', equals: true },
      statutoryDays: null,
      committedDays: 1,
      output: titled(z.object({ transitEnabled: z.literal(true), transitReference: RefNumber('JT') }).loose()),
      outputExample: { transitEnabled: true, transitReference: 'JT2026000123' },
    },
  ],
  example: {
    holder: { name: '吴九', idNumber: '320102200110103131', phone: '13300133000' },
    applyType: '首次申领',
    bank: '中国建设银行',
    delivery: '窗口领取',
    transit: true,
  },
  otherExamples: [
    {
      title: '补领并邮寄，不开通交通出行',
      form: {
        holder: { name: '吴九', idNumber: '320102200110103131', phone: '13300133000' },
        applyType: '补领',
        bank: '中国工商银行',
        delivery: '邮寄',
        mailing: { recipient: '吴九', phone: '13300133000', address: '江苏省南京市玄武区中山路 1 号', postalCode: '210008' },
        transit: false,
        lostCardNumber: 'D32098765',
      },
    },
  ],
  exampleApplicant: { name: '吴九', idType: 'resident-id', idNumber: '320102200110103131', phone: '13300133000' },
});
