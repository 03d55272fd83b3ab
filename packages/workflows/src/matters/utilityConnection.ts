import { defineMatter } from '@onematter/engine';
import { z } from 'zod';
import { titled } from '../outputTitles.js';
import { CnMobile, Uscc } from '../validators.js';

/**
 * 水电气暖网联合报装 (joint utility connection): one form, and the water, power,
 * gas, heat and telecom companies survey and connect in parallel. A firm's own time
 * is at most 3 working days excluding works and permits; with external works up to
 * 150 m it is done within 10 days (shared/MATTERS.md §4).
 */

const form = z
  .object({
    enterpriseUscc: Uscc.meta({ title: '申请单位统一社会信用代码' }),
    enterpriseName: z.string().trim().min(4).max(60).meta({ title: '申请单位名称' }),
    projectName: z.string().trim().min(2).max(100).meta({ title: '项目名称' }),
    address: z.string().trim().min(6).max(200).meta({ title: '报装地址' }),
    contactName: z.string().trim().min(2).max(30).meta({ title: '联系人' }),
    contactPhone: CnMobile.meta({ title: '联系电话' }),
    water: z.object({ pipeDiameterMm: z.number().int().min(15).max(600).meta({ title: '管径（毫米）' }) }).meta({ title: '用水报装' }),
    power: z.object({ capacityKva: z.number().positive().max(100000).meta({ title: '报装容量（千伏安）' }) }).meta({ title: '用电报装' }),
    gas: z.object({ dailyCubicMetres: z.number().positive().max(100000).meta({ title: '日用气量（立方米）' }) }).meta({ title: '用气报装' }),
    heat: z.object({ areaSquareMetres: z.number().positive().max(1e7).meta({ title: '供热面积（平方米）' }) }).meta({ title: '供热报装' }),
    telecom: z.object({ bandwidthMbps: z.number().int().min(10).max(100000).meta({ title: '带宽（Mbps）' }) }).meta({ title: '通信报装' }),
    externalWorksMetres: z.number().min(0).max(10000).meta({ title: '外线工程长度（米）' }),
  });

const connection = (prefix: string) =>
  z.object({ connectionNumber: z.string().regex(new RegExp(`^${prefix}\\d+$`), `connection number: ${prefix} and digits`) }).loose();

export const utilityConnectionV1 = defineMatter({
  id: 'utility-connection',
  version: 1,
  name: '水电气暖网联合报装',
  description: '供水、供电、燃气、供热、通信一表申请、联合踏勘、并联办理、一次验收开通。',
  statutoryDays: null,
  committedDays: 5,
  form,
  materials: [
    { code: 'application-form', name: '联合报装申请表', required: true },
    { code: 'business-licence', name: '营业执照', required: true },
    { code: 'property-proof', name: '用地或房屋权属证明', required: true },
    { code: 'site-plan', name: '总平面图', required: false },
  ],
  steps: [
    { id: 'water', department: 'water', service: '供水报装', dependsOn: [], statutoryDays: null, committedDays: 3, output: titled(connection('WS')), outputExample: { connectionNumber: 'WS2026000001' } },
    { id: 'power', department: 'power', service: '供电报装', dependsOn: [], statutoryDays: null, committedDays: 3, output: titled(connection('DL')), outputExample: { connectionNumber: 'DL2026000001' } },
    { id: 'gas', department: 'gas', service: '燃气报装', dependsOn: [], statutoryDays: null, committedDays: 3, output: titled(connection('RQ')), outputExample: { connectionNumber: 'RQ2026000001' } },
    { id: 'heat', department: 'heat', service: '供热报装', dependsOn: [], statutoryDays: null, committedDays: 3, output: titled(connection('GR')), outputExample: { connectionNumber: 'GR2026000001' } },
    { id: 'telecom', department: 'telecom', service: '通信网络报装', dependsOn: [], statutoryDays: null, committedDays: 3, output: titled(connection('TX')), outputExample: { connectionNumber: 'TX2026000001' } },
  ],
  example: {
    enterpriseUscc: '91350100M000100Y43',
    enterpriseName: '福州市一件事科技有限公司',
    projectName: '研发中心办公楼',
    address: '福建省福州市鼓楼区五四路 100 号',
    contactName: '李四',
    contactPhone: '13900139000',
    water: { pipeDiameterMm: 50 },
    power: { capacityKva: 400 },
    gas: { dailyCubicMetres: 30 },
    heat: { areaSquareMetres: 2000 },
    telecom: { bandwidthMbps: 1000 },
    externalWorksMetres: 80,
  },
  exampleApplicant: { name: '李四', idType: 'resident-id', idNumber: '11010519491231002X', phone: '13900139000' },
});

/**
 * Version 2 — 水电气网联合报装 as the first batch of 2024 names it: water and power for
 * every project; gas, heat and telecom only when the form asks for them (heating is a
 * northern service, an office may need no gas). The companies are `performer: 'company'`.
 * Same limits as version 1; cases started under version 1 keep it.
 */
const formV2 = form.extend({
  gas: form.shape.gas.optional(),
  heat: form.shape.heat.optional(),
  telecom: form.shape.telecom.optional(),
});

export const utilityConnectionV2 = defineMatter({
  ...utilityConnectionV1,
  version: 2,
  // The national name (国发〔2024〕3号 and the State Council's lists): heating is a local addition.
  name: '水电气网联合报装',
  description: '供水、供电必办，燃气、供热、通信按需报装：一表申请、联合踏勘、并联办理、一次验收开通。',
  form: formV2,
  steps: utilityConnectionV1.steps.map((s) => ({
    ...s,
    performer: 'company' as const,
    ...(s.id === 'gas' || s.id === 'heat' || s.id === 'telecom' ? { when: { field: s.id, truthy: true as const } } : {}),
  })),
  otherExamples: [
    {
      title: '南方写字楼：只报装水电',
      form: {
        enterpriseUscc: '91350100M000100Y43',
        enterpriseName: '福州市一件事科技有限公司',
        projectName: '软件园办公楼',
        address: '福建省福州市鼓楼区软件大道 89 号',
        contactName: '李四',
        contactPhone: '13900139000',
        water: { pipeDiameterMm: 32 },
        power: { capacityKva: 250 },
        externalWorksMetres: 0,
      },
    },
  ],
});
