/** The API's shapes as the workbench reads them; fields other engineers add are optional. */

export type Light = 'green' | 'yellow' | 'red';

export interface Me {
  id: string;
  role: 'clerk' | 'department' | 'supervisor' | 'auditor' | 'admin';
  roleName: string;
  name: string;
  department: string | null;
  via: string;
  authDisabled: boolean;
}

export interface MatterSummary {
  id: string;
  version: number;
  name: string;
  departments: string[];
  statutoryDays: number;
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
}

export interface Material {
  code: string;
  name: string;
  required: boolean;
}

export interface MatterStep {
  id: string;
  department: string;
  departmentName: string;
  service: string;
  dependsOn: string[];
  statutoryDays: number;
  committedDays: number;
  outputSchema: JsonSchema | null;
  outputExample: Record<string, unknown> | null;
}

export interface MatterDetail extends MatterSummary {
  description: string;
  formSchema: JsonSchema;
  materials: Material[];
  steps: MatterStep[];
  example: Record<string, unknown>;
  exampleApplicant: Applicant | null;
}

export interface Applicant {
  name: string;
  idType: string;
  idNumber: string;
  phone: string;
}

export interface ClockFields {
  light?: Light | null;
  dueAt?: string | null;
  statutoryDueAt?: string | null;
  elapsedWorkingDays?: number | null;
  pausedWorkingDays?: number | null;
  committedDays?: number;
  statutoryDays?: number;
  clockState?: string;
  clockNote?: string;
}

export interface TaskView extends ClockFields {
  id: string;
  step: string;
  department: string;
  service: string;
  status: string;
  dependsOn: string[];
  attempts: number;
  dispatchedAt?: string;
  decidedAt?: string;
  output?: Record<string, unknown>;
  reason?: string;
  missingMaterials?: string[];
}

export interface CaseView extends ClockFields {
  id: string;
  matter: string;
  matterName: string;
  matterVersion: number;
  status: string;
  applicant: Applicant;
  form: Record<string, unknown>;
  materials: string[];
  createdAt: string;
  updatedAt: string;
  completedAt?: string;
  reason?: string;
  revision: number;
  tasks: TaskView[];
  outputs: Record<string, Record<string, unknown>>;
  links?: Record<string, unknown>;
  resultsIssued?: unknown;
}

export interface CaseSummary {
  id: string;
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
