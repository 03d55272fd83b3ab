/**
 * The department ids (Kafka topic suffixes, the `department` fields) and their Chinese
 * names. No imports: the workbench bundles this module as it is
 * (`@onematter/engine/departments`), so the browser and the server name departments alike.
 */

export const DEPARTMENTS = [
  'samr', 'psb', 'tax', 'bank', 'hrss', 'nhsa', 'hpf', 'water', 'power', 'gas', 'heat',
  'telecom', 'nrb', 'hc', 'edu', 'ca',
  // Added with the national catalogue (issue 9): departments the key matters need.
  'mot', 'mva', 'court', 'dpf', 'mohurd', 'ndrc', 'mee', 'fire', 'cad', 'pafd', 'gsc',
] as const;
export type DepartmentCode = (typeof DEPARTMENTS)[number];

/** Chinese names of the departments, for everything a user sees. */
export const DEPARTMENT_NAMES: Record<DepartmentCode, string> = {
  samr: '市场监督管理局',
  psb: '公安局',
  tax: '税务局',
  bank: '商业银行',
  hrss: '人力资源和社会保障局',
  nhsa: '医疗保障局',
  hpf: '住房公积金管理中心',
  water: '供水公司',
  power: '供电公司',
  gas: '燃气公司',
  heat: '供热公司',
  telecom: '通信运营商',
  nrb: '自然资源和规划局（不动产登记中心）',
  hc: '卫生健康委员会',
  edu: '教育局',
  ca: '民政局',
  mot: '交通运输局',
  mva: '退役军人事务局',
  court: '人民法院',
  dpf: '残疾人联合会',
  mohurd: '住房和城乡建设局',
  ndrc: '发展和改革委员会',
  mee: '生态环境局',
  fire: '消防救援机构',
  cad: '人民防空办公室',
  pafd: '人民武装部',
  gsc: '政务服务中心（12345 政务服务便民热线）',
};
