import { defineMatter } from '@onematter/engine';
import { z } from 'zod';
import { titled } from '../outputTitles.js';
import { Address, OrgName, Person, RefNumber } from '../fields.js';
import { Uscc } from '../validators.js';

/**
 * 开办运输企业 (setting up a road transport company), first batch of 2024 [2].
 *
 * Registration first (市场监管), then seal (公安) and tax in parallel with the 道路运输经营
 * 许可 (交通运输), whose kind the form decides: 普通货运 (county level), 危险货物运输 (city
 * level) or 道路旅客运输; the vehicles' 道路运输证 follow the licence. The order licence →
 * permit → vehicle certificates is inferred (shared/MATTERS.md §2: "licence, then 道路运输
 * 经营许可").
 *
 * Limits (working days):
 * - registration 3 (市场主体登记管理条例 Art. 19), committed 1.
 * - 道路运输经营许可: 20 (道路运输条例: decided within 20 days of acceptance; counted as
 *   working days, 行政许可法 Art. 82); committed 5 for goods, 10 where a site check of the
 *   dangerous-goods or passenger operation is usual (inferred).
 * - vehicle certificates: no published limit, ceiling 5 (inferred), committed 2.
 * - matter: statutory 3 + 20 + 5 = 28 on the longest path; committed 1 + 10 + 2 = 13.
 */

const PLATE = /^[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-HJ-NP-Z](?:[A-HJ-NP-Z0-9]{5,6}|[A-HJ-NP-Z0-9]{4}挂)$/;

const Vehicle = z.object({
  plate: z.string().regex(PLATE, '车牌号格式不正确，如 闽A12345 或 闽AD12345（licence plate format）').meta({ title: '号牌号码' }),
  kind: z.enum(['普通货车', '牵引车', '挂车', '罐式车辆', '客车']).meta({ title: '车辆类型' }),
  totalMassKg: z.number().int().min(500, '总质量至少 500 千克（total mass too small）').max(100_000).meta({ title: '总质量（千克）' }),
});

const form = z
  .object({
    enterpriseName: OrgName.meta({ title: '企业名称' }),
    enterpriseType: z.enum(['有限责任公司', '股份有限公司', '个人独资企业', '合伙企业']).meta({ title: '企业类型' }),
    registeredCapital: z.number().positive('注册资本须大于 0（registered capital must be positive）').max(1e8).meta({ title: '注册资本（万元）' }),
    address: Address.meta({ title: '住所' }),
    legalRepresentative: Person.meta({ title: '法定代表人' }),
    transportType: z.enum(['普通货运', '危险货物运输', '道路旅客运输']).meta({ title: '经营类别' }),
    vehicles: z.array(Vehicle).min(1, '至少登记一辆营运车辆（at least one vehicle）').max(500).meta({ title: '营运车辆' }),
    safetyManager: Person.meta({ title: '安全生产管理人员' }),
    seals: z.array(z.enum(['公章', '财务专用章', '发票专用章', '合同专用章'])).min(1, '至少刻制一枚印章（at least one seal）').meta({ title: '刻制印章' }),
  })
  .superRefine((f, ctx) => {
    const plates = f.vehicles.map((v) => v.plate);
    if (new Set(plates).size !== plates.length) ctx.addIssue({ code: 'custom', path: ['vehicles'], message: '车牌号重复（a plate is listed twice）' });
    // 道路运输条例 Art. 24 (2019): goods vehicles of 4,500 kg or less need no licence.
    if (f.transportType === '普通货运' && f.vehicles.every((v) => v.totalMassKg <= 4500)) {
      ctx.addIssue({ code: 'custom', path: ['vehicles'], message: '总质量 4500 千克及以下的普通货运车辆无需道路运输经营许可（no licence needed for goods vehicles ≤ 4,500 kg）' });
    }
    if (f.transportType === '道路旅客运输' && f.vehicles.some((v) => v.kind !== '客车')) {
      ctx.addIssue({ code: 'custom', path: ['vehicles'], message: '道路旅客运输只能登记客车（passenger transport takes buses only）' });
    }
    if (f.transportType !== '道路旅客运输' && f.vehicles.some((v) => v.kind === '客车')) {
      ctx.addIssue({ code: 'custom', path: ['vehicles'], message: '货物运输不能登记客车（goods transport takes no buses）' });
    }
  });

const permitOutput = z.object({ permitNumber: z.string().regex(/^[\u4e00-\u9fa5]交运管许可[\u4e00-\u9fa5]*字\d{12}号$/, '道路运输经营许可证号格式（permit number format）'), validUntil: z.string().regex(/^\d{4}-\d{2}-\d{2}$/) }).loose();

export const transportCompanyV1 = defineMatter({
  id: 'transport-company',
  version: 1,
  name: '开办运输企业',
  description: '设立登记、印章刻制、税务事项与道路运输经营许可、车辆道路运输证一次申请、并联办理。',
  // The licences of several departments handled jointly (一窗受理、联合办理, 行政许可法 Art. 26).
  statutoryDays: 45,
  statutoryBasis: '《行政许可法》第四十二条第二款（联合办理）',
  extensionDays: 15,
  extensionBasis: '《行政许可法》第四十二条第二款（经本级人民政府负责人批准）',
  committedDays: 13,
  form,
  materials: [
    { code: 'application-form', name: '企业开办及道路运输经营许可申请表', required: true },
    { code: 'articles-of-association', name: '公司章程', required: true },
    { code: 'identity-documents', name: '法定代表人、安全管理人员身份证明', required: true },
    { code: 'vehicle-documents', name: '车辆行驶证、技术等级评定证明', required: true },
    { code: 'driver-qualifications', name: '驾驶员从业资格证', required: true },
    { code: 'safety-rules', name: '安全生产管理制度文本', required: true },
    { code: 'parking-proof', name: '停车场地证明', required: false },
  ],
  steps: [
    {
      id: 'licence',
      department: 'samr',
      service: '设立登记（核发营业执照）',
      statutoryDays: 3, statutoryBasis: '《市场主体登记管理条例》第十九条', extensionDays: 3, extensionBasis: '《市场主体登记管理条例》第十九条',
      committedDays: 1,
      output: titled(z.object({ unifiedSocialCreditCode: Uscc, licenceNumber: z.string().min(1) }).loose()),
      outputExample: { unifiedSocialCreditCode: '91350100M000100Y43', licenceNumber: 'L350100202600003' },
    },
    { id: 'seal', department: 'psb', service: '公章刻制备案', dependsOn: ['licence'], statutoryDays: null, committedDays: 1, output: titled(z.object({ sealFilingNumber: z.string().min(1) }).loose()), outputExample: { sealFilingNumber: 'YZ2026000002' } },
    { id: 'tax', department: 'tax', service: '涉税事项确认及发票申领', dependsOn: ['licence'], statutoryDays: null, committedDays: 1, output: titled(z.object({ taxpayerId: z.string().min(15) }).loose()), outputExample: { taxpayerId: '91350100M000100Y43', invoiceQuota: 25 } },
    {
      id: 'permit-goods',
      department: 'mot',
      service: '道路货物运输经营许可（县级）',
      dependsOn: ['licence'],
      when: { field: 'transportType', equals: '普通货运' },
      statutoryDays: null,
      committedDays: 5,
      output: titled(permitOutput),
      outputExample: { permitNumber: '闽交运管许可榕字350100000123号', validUntil: '2030-03-01' },
    },
    {
      id: 'permit-dangerous',
      department: 'mot',
      service: '危险货物道路运输经营许可（设区的市级）',
      dependsOn: ['licence'],
      when: { field: 'transportType', equals: '危险货物运输' },
      statutoryDays: null,
      committedDays: 10,
      output: titled(permitOutput),
      outputExample: { permitNumber: '闽交运管许可榕字350100000456号', validUntil: '2030-03-01' },
    },
    {
      id: 'permit-passenger',
      department: 'mot',
      service: '道路旅客运输经营许可',
      dependsOn: ['licence'],
      when: { field: 'transportType', equals: '道路旅客运输' },
      statutoryDays: null,
      committedDays: 10,
      output: titled(permitOutput),
      outputExample: { permitNumber: '闽交运管许可榕字350100000789号', validUntil: '2030-03-01' },
    },
    {
      id: 'vehicle-certs',
      department: 'mot',
      service: '营运车辆《道路运输证》配发',
      // Waits for whichever permit applies; the other two are skipped and count as done.
      dependsOn: ['permit-goods', 'permit-dangerous', 'permit-passenger'],
      statutoryDays: null,
      committedDays: 2,
      output: titled(z.object({ certificates: z.array(z.object({ plate: z.string().min(1), certificateNumber: z.string().regex(/^\d{12}$/, '道路运输证号为 12 位数字（12 digits）') })).min(1) }).loose()),
      outputExample: { certificates: [{ plate: '闽A12345', certificateNumber: '350100123456' }, { plate: '闽AF88888', certificateNumber: '350100123457' }] },
    },
  ],
  example: {
    enterpriseName: '福州市一件事物流有限公司',
    enterpriseType: '有限责任公司',
    registeredCapital: 200,
    address: '福建省福州市仓山区建新镇物流园 8 号',
    legalRepresentative: { name: '张三', idNumber: '11010519491231002X', phone: '13800138000' },
    transportType: '普通货运',
    vehicles: [
      { plate: '闽A12345', kind: '普通货车', totalMassKg: 18000 },
      { plate: '闽AF88888', kind: '牵引车', totalMassKg: 25000 },
    ],
    safetyManager: { name: '李四', idNumber: '440305198606062123', phone: '13900139000' },
    seals: ['公章', '财务专用章'],
  },
  otherExamples: [
    {
      title: '危险货物运输企业（设区的市级许可）',
      form: {
        enterpriseName: '福州市一件事危险品运输有限公司',
        enterpriseType: '有限责任公司',
        registeredCapital: 500,
        address: '福建省福州市马尾区化工园区 3 号',
        legalRepresentative: { name: '张三', idNumber: '11010519491231002X', phone: '13800138000' },
        transportType: '危险货物运输',
        vehicles: [{ plate: '闽A66666', kind: '罐式车辆', totalMassKg: 31000 }],
        safetyManager: { name: '李四', idNumber: '440305198606062123', phone: '13900139000' },
        seals: ['公章'],
      },
    },
    {
      title: '道路旅客运输企业',
      form: {
        enterpriseName: '福州市一件事客运有限公司',
        enterpriseType: '有限责任公司',
        registeredCapital: 300,
        address: '福建省福州市晋安区福新东路 18 号',
        legalRepresentative: { name: '张三', idNumber: '11010519491231002X', phone: '13800138000' },
        transportType: '道路旅客运输',
        vehicles: [{ plate: '闽A90001', kind: '客车', totalMassKg: 16000 }],
        safetyManager: { name: '李四', idNumber: '440305198606062123', phone: '13900139000' },
        seals: ['公章'],
      },
    },
  ],
  exampleApplicant: { name: '张三', idType: 'resident-id', idNumber: '11010519491231002X', phone: '13800138000' },
});
