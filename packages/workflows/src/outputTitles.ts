/**
 * The Chinese title of every field a department returns (shown on the case page, the
 * receipt, the timeline and the dossier), put on the output schema by `titled()` so
 * that `GET /matters/:id` carries it as the JSON Schema `title`. A field whose schema
 * already has a title keeps it.
 */
import { z } from 'zod';

export const OUTPUT_TITLES: Readonly<Record<string, string>> = {
  queryReference: '查询编号',
  recordsFound: '查得记录数',
  registrationStatus: '登记状态',
  vehicles: '车辆',
  properties: '不动产',
  arrearsYuan: '欠费金额（元）',
  taxArrearsYuan: '欠税金额（元）',
  ticketNumber: '工单编号',
  acceptedAt: '受理日期',
  outcome: '办理结果',
  resolution: '处理意见',
  handledAt: '办理日期',
  notifiedBy: '告知方式',
  notifiedAt: '告知日期',
  satisfaction: '满意度',
  resolved: '是否解决',
  calledBackAt: '回访日期',
  remark: '备注',
  documentNumber: '文书编号',
  issuedAt: '签发日期',
  permitNumber: '许可证编号',
  decisionNumber: '决定书编号',
  decision: '决定',
  decidedAt: '决定日期',
  repairReference: '修复编号',
  repairedAt: '修复日期',
  status: '状态',
  assessmentNumber: '评定编号',
  grade: '等级',
  assessedAt: '评定日期',
  certificateNumber: '证书编号',
  validUntil: '有效期至',
  approvalNumber: '批准编号',
  monthlyYuan: '每月金额（元）',
  startsFrom: '起始日期',
  supportReference: '帮扶编号',
  annualYuan: '每年金额（元）',
  unifiedSocialCreditCode: '统一社会信用代码',
  licenceNumber: '营业执照编号',
  changeRecordNumber: '变更登记编号',
  updateReference: '变更编号',
  effectiveDate: '生效日期',
  sealFilingNumber: '印章备案编号',
  accountNumber: '账号',
  taxpayerId: '纳税人识别号',
  socialInsuranceNumber: '社保登记号',
  medicalInsuranceNumber: '医保登记号',
  housingFundAccount: '公积金账号',
  confirmationNumber: '确认编号',
  violations: '违法违规记录数',
  coverageYears: '查询年限',
  reportNumber: '报告编号',
  coverageFrom: '覆盖起始日期',
  coverageTo: '覆盖截止日期',
  reportUrl: '报告下载地址',
  vaccinationCertificateNumber: '预防接种证编号',
  childIdNumber: '子女身份证号码',
  registeredAt: '登记日期',
  insuranceNumber: '参保编号',
  cardNumber: '卡号',
  delivery: '领取方式',
  monthlyDeductionYuan: '每月扣除额（元）',
  deductionFrom: '扣除起始日期',
  taxReceiptNumber: '完税凭证编号',
  deedTaxYuan: '契税（元）',
  electronicCertificate: '电子证照',
  mortgageCertificateNumber: '不动产登记证明号',
  transferReference: '转移编号',
  newAccountHolder: '新户主',
  foodLicenceNumber: '食品经营许可证编号',
  alcoholLicenceNumber: '酒类经营许可编号',
  inspectionNumber: '检查编号',
  result: '结果',
  retirementDate: '退休日期',
  monthlyPensionYuan: '每月养老金（元）',
  firstPaymentMonth: '首次发放月份',
  medicalStatus: '医保待遇',
  recognisedYears: '认定缴费年限',
  withdrawalReference: '提取编号',
  amountYuan: '金额（元）',
  checkReference: '核验编号',
  verified: '核验通过',
  admissionNumber: '入学通知编号',
  school: '学校',
  reportDate: '报到日期',
  settlementEnabled: '已开通结算',
  transitEnabled: '已开通交通功能',
  transitReference: '交通功能编号',
  certificates: '道路运输证',
  connectionNumber: '报装编号',
  reportedAt: '报到日期',
  householdReference: '户口登记编号',
  recognisedMonths: '认定月数',
  reserveReference: '预备役登记编号',
  employmentRegistration: '就业登记编号',
  plate: '车牌号',
  // Returned beside the declared fields by some departments (and the demo's simulated ones).
  registeredName: '登记名称',
  seals: '刻制印章',
  invoiceQuota: '发票领用份数',
  bankName: '开户银行',
};

const titleOf = (s: z.ZodType): string | undefined => (s.meta() as { title?: string } | undefined)?.title;

/** The output object with a Chinese `title` on every field (and on the fields of arrays of objects). */
export function titled<T extends z.ZodObject>(output: T): T {
  const shape: Record<string, z.ZodType> = {};
  for (const [k, s] of Object.entries(output.shape) as [string, z.ZodType][]) {
    let field = s;
    if (field instanceof z.ZodArray && field.element instanceof z.ZodObject) {
      const meta = field.meta();
      field = field.clone({ ...field._zod.def, element: titled(field.element as z.ZodObject) });
      if (meta) field = field.meta(meta);
    }
    const title = titleOf(field) ?? OUTPUT_TITLES[k];
    shape[k] = title && !titleOf(field) ? field.meta({ ...(field.meta() ?? {}), title }) : field;
  }
  return output.extend(shape) as unknown as T;
}
