import type { CaseStatus, StartedCase, TaskStatus } from '../case/state.js';

/** `GET /cases/:id`: the contract in DESIGN.md. */
export interface TaskView {
  id: string;
  step: string;
  department: string;
  service: string;
  status: TaskStatus;
  dependsOn: string[];
  attempts: number;
  dispatchedAt?: string;
  decidedAt?: string;
  dueAt?: string;
  output?: Record<string, unknown>;
  reason?: string;
  missingMaterials?: string[];
}

export interface CaseView {
  id: string;
  matter: string;
  matterName: string;
  matterVersion: number;
  status: CaseStatus;
  applicant: { name: string; idType: string; idNumber: string; phone: string };
  form: Record<string, unknown>;
  materials: string[];
  createdAt: string;
  updatedAt: string;
  completedAt?: string;
  reason?: string;
  revision: number;
  tasks: TaskView[];
  outputs: Record<string, Record<string, unknown>>;
}

export function toCaseView(s: StartedCase): CaseView {
  return {
    id: s.caseId,
    matter: s.matter.definition.id,
    matterName: s.matter.definition.name,
    matterVersion: s.matter.definition.version,
    status: s.status,
    applicant: { ...s.applicant },
    form: s.form,
    materials: [...s.materials],
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
    ...(s.completedAt ? { completedAt: s.completedAt } : {}),
    ...(s.closedReason ? { reason: s.closedReason } : {}),
    revision: s.revision,
    tasks: Object.values(s.tasks).map((t) => ({
      id: t.id,
      step: t.step,
      department: t.department,
      service: t.service,
      status: t.status,
      dependsOn: [...t.dependsOn],
      attempts: t.attempts,
      ...(t.dispatchedAt ? { dispatchedAt: t.dispatchedAt } : {}),
      ...(t.decidedAt ? { decidedAt: t.decidedAt } : {}),
      ...(t.output ? { output: t.output } : {}),
      ...(t.reason !== undefined ? { reason: t.reason } : {}),
      ...(t.missingMaterials ? { missingMaterials: t.missingMaterials } : {}),
    })),
    outputs: { ...s.outputs },
  };
}
