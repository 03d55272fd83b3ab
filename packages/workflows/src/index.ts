import { createCatalogue, type MatterDefinition } from '@onematter/engine';
import { bankruptcyCheckV1 } from './matters/bankruptcyCheck.js';
import { complaintV1 } from './matters/complaint.js';
import { constructionProjectV1 } from './matters/constructionProject.js';
import { creditRepairV1 } from './matters/creditRepair.js';
import { disabilityServicesV1 } from './matters/disabilityServices.js';
import { enterpriseChangeV1 } from './matters/enterpriseChange.js';
import { enterpriseSetupV1 } from './matters/enterpriseSetup.js';
import { listingComplianceV1 } from './matters/listingCompliance.js';
import { newbornV1 } from './matters/newborn.js';
import { resaleHousingTransferV1 } from './matters/resaleHousingTransfer.js';
import { restaurantV1 } from './matters/restaurant.js';
import { retirementV1 } from './matters/retirement.js';
import { schoolEnrolmentV1 } from './matters/schoolEnrolment.js';
import { socialSecurityCardV1 } from './matters/socialSecurityCard.js';
import { transportCompanyV1 } from './matters/transportCompany.js';
import { utilityConnectionV1, utilityConnectionV2 } from './matters/utilityConnection.js';
import { veteranServicesV1 } from './matters/veteranServices.js';
import { seniorCardV1 } from './matters/seniorCard.js';

export * from './validators.js';
export * from './fields.js';
export * from './diagram.js';
export * from './docs.js';
export * from './authoring/jsonSchema.js';
export * from './authoring/fileFormat.js';
export * from './authoring/load.js';
export * from './authoring/diff.js';
export { OUTPUT_TITLES, titled } from './outputTitles.js';
export { SATISFACTION_LEVELS } from './matters/complaint.js';
export {
  bankruptcyCheckV1,
  complaintV1,
  constructionProjectV1,
  creditRepairV1,
  disabilityServicesV1,
  enterpriseChangeV1,
  enterpriseSetupV1,
  listingComplianceV1,
  newbornV1,
  resaleHousingTransferV1,
  restaurantV1,
  retirementV1,
  schoolEnrolmentV1,
  socialSecurityCardV1,
  transportCompanyV1,
  utilityConnectionV1,
  utilityConnectionV2,
  veteranServicesV1,
  seniorCardV1,
};

/** Every version of every matter; running cases keep the version they started with. */
export const MATTER_DEFINITIONS: readonly MatterDefinition[] = [
  enterpriseSetupV1,
  // 2024 first batch (国发〔2024〕3号): 8 for enterprises
  enterpriseChangeV1,
  transportCompanyV1,
  restaurantV1,
  bankruptcyCheckV1,
  listingComplianceV1,
  creditRepairV1,
  utilityConnectionV1,
  utilityConnectionV2,
  resaleHousingTransferV1,
  // 2024 first batch: 5 for individuals
  newbornV1,
  schoolEnrolmentV1,
  socialSecurityCardV1,
  disabilityServicesV1,
  retirementV1,
  // 2024 second batch (国办函〔2024〕53号)
  veteranServicesV1,
  // 工程建设项目审批制度改革 (国办发〔2019〕11号)
  constructionProjectV1,
  // the service centre's own loop
  complaintV1,
  // 免申即办 (国发〔2024〕3号: 政策服务免申办; 兰考's 老年证)
  seniorCardV1,
];

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
};

export const defaultCatalogue = () => createCatalogue(MATTER_DEFINITIONS);
