import { createCatalogue, type MatterDefinition } from '@onematter/engine';
import { loadBuiltInMatters } from './builtIn.js';

export * from './validators.js';
export * from './fields.js';
export * from './diagram.js';
export * from './docs.js';
export * from './authoring/jsonSchema.js';
export * from './authoring/fileFormat.js';
export * from './authoring/load.js';
export * from './authoring/diff.js';
export * from './authoring/rules.js';
export { BUILT_IN_MATTERS_DIR, loadBuiltInMatters, loadMatterFiles, matterFilesUnder, type BuiltInMatter } from './builtIn.js';
export { OUTPUT_TITLES, titled } from './outputTitles.js';

/**
 * The built-in matters: the files under packages/workflows/matters (any depth), read and
 * checked at start by the same loader as a deployed file (docs/authoring.md).
 */
export const BUILT_IN_MATTERS = loadBuiltInMatters();

const builtIn = (id: string, version: number): MatterDefinition => {
  const found = BUILT_IN_MATTERS.find((m) => m.definition.id === id && m.definition.version === version);
  if (!found) throw new Error(`built-in matter ${id} v${version} has no file under packages/workflows/matters`);
  return found.definition;
};

export const enterpriseSetupV1 = builtIn('enterprise-setup', 1);
// 2024 first batch (国发〔2024〕3号): 8 for enterprises
export const enterpriseChangeV1 = builtIn('enterprise-change', 1);
export const transportCompanyV1 = builtIn('transport-company', 1);
export const restaurantV1 = builtIn('restaurant', 1);
export const bankruptcyCheckV1 = builtIn('bankruptcy-check', 1);
export const listingComplianceV1 = builtIn('listing-compliance-check', 1);
export const creditRepairV1 = builtIn('credit-repair', 1);
export const utilityConnectionV1 = builtIn('utility-connection', 1);
export const utilityConnectionV2 = builtIn('utility-connection', 2);
export const resaleHousingTransferV1 = builtIn('resale-housing-transfer', 1);
// 2024 first batch: 5 for individuals
export const newbornV1 = builtIn('newborn', 1);
export const schoolEnrolmentV1 = builtIn('school-enrolment', 1);
export const socialSecurityCardV1 = builtIn('social-security-card', 1);
export const disabilityServicesV1 = builtIn('disability-services', 1);
export const retirementV1 = builtIn('retirement', 1);
// 2024 second batch (国办函〔2024〕53号)
export const veteranServicesV1 = builtIn('veteran-services', 1);
// 工程建设项目审批制度改革 (国办发〔2019〕11号)
export const constructionProjectV1 = builtIn('construction-project', 1);
// the service centre's own loop
export const complaintV1 = builtIn('complaint', 1);
// 免申即办 (国发〔2024〕3号: 政策服务免申办; 兰考's 老年证)
export const seniorCardV1 = builtIn('senior-card', 1);

const NAMED: readonly MatterDefinition[] = [
  enterpriseSetupV1,
  enterpriseChangeV1,
  transportCompanyV1,
  restaurantV1,
  bankruptcyCheckV1,
  listingComplianceV1,
  creditRepairV1,
  utilityConnectionV1,
  utilityConnectionV2,
  resaleHousingTransferV1,
  newbornV1,
  schoolEnrolmentV1,
  socialSecurityCardV1,
  disabilityServicesV1,
  retirementV1,
  veteranServicesV1,
  constructionProjectV1,
  complaintV1,
  seniorCardV1,
];

/**
 * Every version of every matter; running cases keep the version they started with. The
 * catalogue's own order first, then any other file (e.g. matters/national/) in path order.
 */
export const MATTER_DEFINITIONS: readonly MatterDefinition[] = [...NAMED, ...BUILT_IN_MATTERS.map((m) => m.definition).filter((d) => !NAMED.includes(d))];

/** Where each matter comes from, for the catalogue table (shared/MATTERS.md §1 on what is verified). */
export const MATTER_BATCHES: Readonly<Record<string, string>> = {
  'enterprise-setup': '企业开办（国办发〔2018〕32号）',
  'senior-card': '免申即办（国发〔2024〕3号；兰考老年证）',
  'enterprise-change': '2024 第一批 · 企业',
  'transport-company': '2024 第一批 · 企业',
  restaurant: '2024 第一批 · 企业',
  'bankruptcy-check': '2024 第一批 · 企业',
  'listing-compliance-check': '2024 第一批 · 企业',
  'credit-repair': '2024 第一批 · 企业',
  'utility-connection': '2024 第一批 · 企业',
  'resale-housing-transfer': '2024 第一批 · 企业',
  newborn: '2024 第一批 · 个人',
  'school-enrolment': '2024 第一批 · 个人',
  'social-security-card': '2024 第一批 · 个人',
  'disability-services': '2024 第一批 · 个人',
  retirement: '2024 第一批 · 个人',
  'veteran-services': '2024 第二批 · 个人',
  'construction-project': '工程建设项目审批（国办发〔2019〕11号）',
  complaint: '有诉即办（服务中心闭环）',
  'enterprise-relocation': '2024 第二批 · 企业（国办函〔2024〕53号）',
  'individual-to-enterprise': '2025 第一批 · 企业',
  'enterprise-deregistration': '省级事项（国发〔2024〕3号；是否列入国家批次未核实）',
};

export const defaultCatalogue = () => createCatalogue(MATTER_DEFINITIONS);
