/** The API's shapes as the workbench reads them; fields other engineers add are optional. */

export type Light = 'green' | 'yellow' | 'red';

export interface Me {
  id: string;
  role: 'clerk' | 'department' | 'supervisor' | 'auditor' | 'admin' | 'agent' | 'applicant';
  roleName: string;
  name: string;
  department: string | null;
  /** 申请人: the ID number their cases are filed under. */
  applicantId?: string | null;
  via: string;
  authDisabled: boolean;
}

export interface MatterSummary {
  id: string;
  version: number;
  name: string;
  departments: string[];
  /** null: no law sets one (无法定时限). */
  statutoryDays: number | null;
  committedDays: number;
}

export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  format?: string;
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  pattern?: string;
  default?: unknown;
  examples?: unknown[];
  anyOf?: JsonSchema[];
  /** The case output a decision form starts from, 'step.field' (e.g. the USCC as taxpayer id). */
  'x-prefill'?: string;
}

export interface Material {
  code: string;
  name: string;
  required: boolean;
  /** 容缺: may be brought later on a signed promise, within promiseDays working days. */
  deferrable?: boolean;
  promiseDays?: number;
}

export interface MatterStep {
  id: string;
  department: string;
  departmentName: string;
  service: string;
  dependsOn: string[];
  statutoryDays: number | null;
  statutoryBasis: string | null;
  extensionDays: number | null;
  extensionBasis: string | null;
  committedDays: number;
  outputSchema: JsonSchema | null;
  outputExample: Record<string, unknown> | null;
  /** 即办 (true or a condition), 告知承诺制. */
  onTheSpot?: unknown;
  commitment?: { checkDays: number; basis: string } | null;
}

export interface MatterDetail extends MatterSummary {
  description: string;
  formSchema: JsonSchema;
  materials: Material[];
  steps: MatterStep[];
  example: Record<string, unknown>;
  exampleApplicant: Applicant | null;
  onTheSpot?: unknown;
  trigger?: { topic: string } | null;
}

export interface Applicant {
  name: string;
  idType: string;
  idNumber: string;
  phone: string;
}

/**
 * A case as `GET /cases/:id` returns it, and its tasks: the engine's own view types
 * (type-only imports, erased from the bundle), so the workbench cannot fall behind them.
 */
export type { CaseView, TimeLimitFields, TaskView } from '@onematter/engine';

/** `GET /cases/:id/verification`: the engine's verification of one case. */
export type { CaseVerification } from '@onematter/engine';

export interface CaseSummary {
  id: string;
  caseNumber?: string;
  matter: string;
  status: string;
  applicantName: string;
  createdAt: string;
  updatedAt: string;
  completedAt?: string;
  departments: string[];
  tasks: Record<string, { department: string; status: string }>;
  light?: Light | null;
  worstLight?: Light | null;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface StoredEvent {
  position: number;
  type: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  recordedAt: string;
  hash: string;
  prevHash: string;
}
