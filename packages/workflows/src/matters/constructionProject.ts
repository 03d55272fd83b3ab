import { defineMatter } from '@onematter/engine';
import { z } from 'zod';
import { titled } from '../outputTitles.js';
import { Address, OrgName, Person, RefNumber, Yuan } from '../fields.js';
import { Uscc } from '../validators.js';

/**
 * 工程建设项目审批 (construction project approval) in its four stages (国办发〔2019〕11号,
 * shared/MATTERS.md §5): 立项用地规划许可 → 工程建设许可 → 施工许可 → 竣工验收. Each stage
 * has one lead department and its departments work in parallel ("一家牵头、并联审批、限时
 * 办结"); a stage starts when every step of the one before it is done or does not apply.
 * Stage leads are inferred (发改 for the project approval stage, 自然资源 for planning, 住建
 * for construction and acceptance is the common local split).
 *
 * Conditional steps, decided from the form:
 * - 环评审批 unless the project only files a 登记表; 初步设计审批 for government investment;
 * - 消防设计审查 and 消防验收 for 特殊建设工程, else 消防验收备案;
 * - 人防 design review and acceptance when the project builds a civil air-defence basement.
 *
 * Limits (working days):
 * - each stage is a joint handling (联合办理): 行政许可法 Art. 42, 45 working days, so 180
 *   for the matter (our composition); committed 90 (Suining [37]; the national target is
 *   120 [36]), split 20 / 25 / 25 / 20 by stage (inferred).
 * - 企业投资项目核准: 20 (企业投资项目核准和备案管理条例 Art. 10); 环评: 60 for a 报告书
 *   (环境影响评价法 Art. 22, its own clock; 30 for a 报告表); 消防设计审查 and 消防验收: 15
 *   (建设工程消防设计审查验收管理暂行规定); 施工许可: 7 (建筑法 Art. 8 as amended 2019);
 *   other steps 20 (行政许可法 Art. 42 frame, inferred). Committed limits per step inferred.
 */

const PROJECT_CODE = /^\d{4}-\d{6}-\d{2}-\d{2}-\d{6}$/;

const form = z
  .object({
    projectName: z.string().trim().min(4, '项目名称至少 4 个字（project name too short）').max(100).meta({ title: '项目名称' }),
    projectCode: z.string().trim().regex(PROJECT_CODE, '项目代码格式应如 2601-350102-04-01-123456（投资项目在线审批监管平台赋码）').meta({ title: '投资项目代码' }),
    investmentType: z.enum(['政府投资', '企业投资']).meta({ title: '投资类型' }),
    builder: z.object({ uscc: Uscc.meta({ title: '统一社会信用代码' }), name: OrgName.meta({ title: '名称' }) }).meta({ title: '建设单位' }),
    location: Address.meta({ title: '建设地点' }),
    landAreaSqm: z.number().positive('用地面积须大于 0（land area must be positive）').max(1e8).meta({ title: '用地面积（平方米）' }),
    floorAreaSqm: z.number().positive('建筑面积须大于 0（floor area must be positive）').max(1e8).meta({ title: '总建筑面积（平方米）' }),
    totalInvestmentYuan: Yuan(1e12).meta({ title: '总投资（元）' }),
    buildingType: z.enum(['居住建筑', '公共建筑', '工业建筑', '市政基础设施']).meta({ title: '工程类别' }),
    eiaCategory: z.enum(['报告书', '报告表', '登记表']).meta({ title: '环境影响评价类别' }),
    specialConstruction: z.boolean().meta({ title: '是否特殊建设工程（消防）' }),
    civilDefence: z.boolean().meta({ title: '是否结合修建人防工程' }),
    contact: Person.meta({ title: '项目联系人' }),
  })
  .superRefine((f, ctx) => {
    // A floor-area ratio above 30 is not a plan anyone approves: a unit was probably mistyped.
    if (f.floorAreaSqm > f.landAreaSqm * 30) ctx.addIssue({ code: 'custom', path: ['floorAreaSqm'], message: '建筑面积超过用地面积的 30 倍，请核对单位（floor area implausible for the land area）' });
  });

const permit = (prefix: string) => z.object({ documentNumber: RefNumber(prefix), issuedAt: z.string().regex(/^\d{4}-\d{2}-\d{2}$/) }).loose();
const example = (prefix: string) => ({ documentNumber: `${prefix}2026000123`, issuedAt: '2026-03-02' });

export const constructionProjectV1 = defineMatter({
  id: 'construction-project',
  version: 1,
  name: '工程建设项目审批',
  description: '立项用地规划许可、工程建设许可、施工许可、竣工验收四个阶段，每阶段一家牵头、并联审批、限时办结。',
  statutoryDays: null,
  committedDays: 90,
  form,
  materials: [
    { code: 'stage-application', name: '各阶段“一表申请”申请表', required: true },
    { code: 'project-proposal', name: '项目建议书、可行性研究报告或项目申请报告', required: true },
    { code: 'land-documents', name: '用地批准或土地出让合同', required: true },
    { code: 'design-scheme', name: '建设工程设计方案', required: true },
    { code: 'construction-drawings', name: '施工图设计文件', required: true },
    { code: 'eia-report', name: '环境影响报告书（表）', required: false },
    { code: 'completion-report', name: '竣工验收报告', required: true },
  ],
  stages: [
    { id: 'land', name: '立项用地规划许可', lead: 'ndrc', statutoryDays: 45, committedDays: 20 },
    { id: 'design', name: '工程建设许可', lead: 'nrb', statutoryDays: 45, committedDays: 25 },
    { id: 'construction', name: '施工许可', lead: 'mohurd', statutoryDays: 45, committedDays: 25 },
    { id: 'acceptance', name: '竣工验收', lead: 'mohurd', statutoryDays: 45, committedDays: 20 },
  ],
  steps: [
    // 立项用地规划许可
    { id: 'project-approval', department: 'ndrc', stage: 'land', service: '项目审批、核准或备案', statutoryDays: null, committedDays: 5, output: titled(permit('XM')), outputExample: example('XM') },
    { id: 'site-and-land', department: 'nrb', stage: 'land', service: '建设项目用地预审与选址意见书（多审合一）', statutoryDays: null, committedDays: 7, output: titled(permit('YS')), outputExample: example('YS') },
    { id: 'land-use-permit', department: 'nrb', stage: 'land', service: '建设用地规划许可证（多证合一）', dependsOn: ['site-and-land'], statutoryDays: 20, statutoryBasis: '《行政许可法》第四十二条', extensionDays: 10, extensionBasis: '《行政许可法》第四十二条', committedDays: 5, output: titled(permit('YDGH')), outputExample: example('YDGH') },
    // 工程建设许可
    { id: 'design-review', department: 'nrb', stage: 'design', service: '建设工程设计方案审查', statutoryDays: null, committedDays: 7, output: titled(permit('FA')), outputExample: example('FA') },
    { id: 'planning-permit', department: 'nrb', stage: 'design', service: '建设工程规划许可证', dependsOn: ['design-review'], statutoryDays: 20, statutoryBasis: '《行政许可法》第四十二条', extensionDays: 10, extensionBasis: '《行政许可法》第四十二条', committedDays: 5, output: titled(permit('JSGH')), outputExample: example('JSGH') },
    {
      id: 'eia', department: 'mee', stage: 'design', service: '建设项目环境影响评价文件审批',
      when: { field: 'eiaCategory', in: ['报告书', '报告表'] },
      statutoryDays: null, committedDays: 15, output: titled(permit('HP')), outputExample: example('HP'),
    },
    {
      id: 'preliminary-design', department: 'ndrc', stage: 'design', service: '政府投资项目初步设计审批',
      when: { field: 'investmentType', equals: '政府投资' },
      statutoryDays: null, committedDays: 10, output: titled(permit('CS')), outputExample: example('CS'),
    },
    // 施工许可
    { id: 'drawing-review', department: 'mohurd', stage: 'construction', service: '施工图设计文件联合审查', statutoryDays: null, committedDays: 10, output: titled(permit('ST')), outputExample: example('ST') },
    {
      id: 'fire-design', department: 'mohurd', stage: 'construction', service: '特殊建设工程消防设计审查',
      when: { field: 'specialConstruction', equals: true },
      statutoryDays: null, committedDays: 10, output: titled(permit('XFSJ')), outputExample: example('XFSJ'),
    },
    {
      id: 'civil-defence-review', department: 'cad', stage: 'construction', service: '人防工程设计审查',
      when: { field: 'civilDefence', equals: true },
      statutoryDays: null, committedDays: 10, output: titled(permit('RFSJ')), outputExample: example('RFSJ'),
    },
    {
      id: 'construction-permit', department: 'mohurd', stage: 'construction', service: '建筑工程施工许可证',
      dependsOn: ['drawing-review', 'fire-design', 'civil-defence-review'],
      statutoryDays: null, committedDays: 3,
      output: titled(z.object({ permitNumber: z.string().regex(/^\d{18}$/, '施工许可证编号为 18 位数字（18 digits）'), issuedAt: z.string().regex(/^\d{4}-\d{2}-\d{2}$/) }).loose()),
      outputExample: { permitNumber: '350102202603020101', issuedAt: '2026-03-02' },
    },
    // 竣工验收 (联合验收)
    { id: 'planning-check', department: 'nrb', stage: 'acceptance', service: '规划条件核实和土地核验', statutoryDays: null, committedDays: 5, output: titled(permit('GHHS')), outputExample: example('GHHS') },
    {
      id: 'fire-acceptance', department: 'mohurd', stage: 'acceptance', service: '特殊建设工程消防验收',
      when: { field: 'specialConstruction', equals: true },
      statutoryDays: null, committedDays: 7, output: titled(permit('XFYS')), outputExample: example('XFYS'),
    },
    {
      id: 'fire-filing', department: 'mohurd', stage: 'acceptance', service: '其他建设工程消防验收备案',
      when: { not: { field: 'specialConstruction', equals: true } },
      statutoryDays: null, committedDays: 1, output: titled(permit('XFBA')), outputExample: example('XFBA'),
    },
    {
      id: 'civil-defence-acceptance', department: 'cad', stage: 'acceptance', service: '人防工程竣工验收备案',
      when: { field: 'civilDefence', equals: true },
      statutoryDays: null, committedDays: 7, output: titled(permit('RFYS')), outputExample: example('RFYS'),
    },
    { id: 'archives', department: 'mohurd', stage: 'acceptance', service: '城建档案验收', statutoryDays: null, committedDays: 5, output: titled(permit('DA')), outputExample: example('DA') },
    {
      id: 'completion-filing', department: 'mohurd', stage: 'acceptance', service: '竣工验收备案',
      dependsOn: ['planning-check', 'fire-acceptance', 'fire-filing', 'civil-defence-acceptance', 'archives'],
      statutoryDays: null, committedDays: 1, output: titled(permit('JGBA')), outputExample: example('JGBA'),
    },
  ],
  example: {
    projectName: '福州软件园研发中心二期',
    projectCode: '2601-350102-04-01-123456',
    investmentType: '企业投资',
    builder: { uscc: '91350100M000100Y43', name: '福州市一件事科技有限公司' },
    location: '福建省福州市鼓楼区软件大道 89 号',
    landAreaSqm: 20_000,
    floorAreaSqm: 60_000,
    totalInvestmentYuan: 300_000_000,
    buildingType: '公共建筑',
    eiaCategory: '报告表',
    specialConstruction: true,
    civilDefence: true,
    contact: { name: '张三', idNumber: '11010519491231002X', phone: '13800138000' },
  },
  otherExamples: [
    {
      title: '政府投资的小型市政项目（初步设计审批，消防验收备案，无人防、环评登记表）',
      form: {
        projectName: '鼓楼区社区卫生服务站改建',
        projectCode: '2601-350102-89-01-000321',
        investmentType: '政府投资',
        builder: { uscc: '9135010256774166X9', name: '福州市鼓楼区一件事建设中心' },
        location: '福建省福州市鼓楼区东街 12 号',
        landAreaSqm: 1_200,
        floorAreaSqm: 2_400,
        totalInvestmentYuan: 8_000_000,
        buildingType: '市政基础设施',
        eiaCategory: '登记表',
        specialConstruction: false,
        civilDefence: false,
        contact: { name: '张三', idNumber: '11010519491231002X', phone: '13800138000' },
      },
    },
  ],
  exampleApplicant: { name: '张三', idType: 'resident-id', idNumber: '11010519491231002X', phone: '13800138000' },
});
