import type { CaseStatus, EventStore, StoredEvent, TaskStatus } from '@onematter/engine';

export interface CaseSummary {
  id: string;
  matter: string;
  matterVersion: number;
  status: CaseStatus;
  applicantName: string;
  createdAt: string;
  updatedAt: string;
  completedAt?: string;
  departments: string[];
  /** Status of each department's task. */
  tasks: Record<string, { department: string; status: TaskStatus }>;
  /** Global position of the case's first event: the list's stable order. */
  position: number;
}

export interface CaseListQuery {
  status?: CaseStatus;
  matter?: string;
  department?: string;
  /** Only cases where this department has a task in this status. */
  taskStatus?: TaskStatus;
  limit: number;
  /** Opaque cursor from a previous page. */
  cursor?: string;
}

export interface CaseListPage {
  items: CaseSummary[];
  nextCursor: string | null;
}

/**
 * The case list read model: follows the store's global position and keeps one
 * summary per case, newest first. It is a projection, not the truth: it can be
 * dropped and rebuilt from the events at any time. `catchUp` before a read gives
 * read-your-writes for this process.
 */
export class CaseListProjection {
  private readonly cases = new Map<string, CaseSummary>();
  private checkpoint = 0;
  private catching?: Promise<void>;

  constructor(private readonly store: EventStore) {}

  get position(): number {
    return this.checkpoint;
  }

  catchUp(): Promise<void> {
    this.catching ??= this.runCatchUp().finally(() => {
      this.catching = undefined;
    });
    return this.catching;
  }

  private async runCatchUp(): Promise<void> {
    for (;;) {
      const events = await this.store.readAll({ after: this.checkpoint, limit: 5000 });
      if (events.length === 0) return;
      for (const e of events) this.apply(e);
      this.checkpoint = events[events.length - 1]!.globalPosition;
    }
  }

  apply(e: StoredEvent): void {
    const d = e.data as Record<string, unknown> & { at: string };
    if (e.type === 'CaseStarted') {
      this.cases.set(e.streamId, {
        id: e.streamId,
        matter: d.matter as string,
        matterVersion: d.matterVersion as number,
        status: 'in-progress',
        applicantName: (d.applicant as { name: string }).name,
        createdAt: d.at,
        updatedAt: d.at,
        departments: [],
        tasks: {},
        position: e.globalPosition,
      });
      return;
    }
    const c = this.cases.get(e.streamId);
    if (!c) return;
    c.updatedAt = d.at;
    const setTask = (step: string, department: string, status: TaskStatus) => {
      c.tasks[step] = { department, status };
      if (!c.departments.includes(department)) c.departments.push(department);
    };
    switch (e.type) {
      case 'TaskDispatched':
        setTask(d.step as string, d.department as string, 'pending');
        break;
      case 'DecisionRecorded':
        setTask(d.step as string, d.department as string, d.decision as TaskStatus);
        if (d.decision === 'supplement-required') c.status = 'awaiting-supplement';
        break;
      case 'SupplementProvided':
        c.status = 'in-progress';
        break;
      case 'TaskCancelled':
        setTask(d.step as string, d.department as string, 'cancelled');
        break;
      case 'CaseCompleted':
        c.status = 'completed';
        c.completedAt = d.at;
        break;
      case 'CaseRejected':
        c.status = 'rejected';
        c.completedAt = d.at;
        break;
      case 'CaseWithdrawn':
        c.status = 'withdrawn';
        c.completedAt = d.at;
        break;
    }
  }

  async query(q: CaseListQuery): Promise<CaseListPage> {
    await this.catchUp();
    const before = q.cursor ? decodeCursor(q.cursor) : Number.POSITIVE_INFINITY;
    const all = [...this.cases.values()].sort((a, b) => b.position - a.position);
    const items: CaseSummary[] = [];
    for (const c of all) {
      if (c.position >= before) continue;
      if (q.status && c.status !== q.status) continue;
      if (q.matter && c.matter !== q.matter) continue;
      if (q.department && !c.departments.includes(q.department)) continue;
      if (q.taskStatus && !Object.values(c.tasks).some((t) => t.status === q.taskStatus && (!q.department || t.department === q.department))) continue;
      items.push(structuredClone(c));
      if (items.length === q.limit + 1) break;
    }
    const more = items.length > q.limit;
    const page = more ? items.slice(0, q.limit) : items;
    return { items: page, nextCursor: more ? encodeCursor(page[page.length - 1]!.position) : null };
  }

  /** Number of cases by status (for metrics). */
  countByStatus(): Record<CaseStatus, number> {
    const counts: Record<CaseStatus, number> = { 'in-progress': 0, 'awaiting-supplement': 0, completed: 0, rejected: 0, withdrawn: 0 };
    for (const c of this.cases.values()) counts[c.status]++;
    return counts;
  }
}

const encodeCursor = (position: number): string => Buffer.from(`p:${position}`).toString('base64url');

export function decodeCursor(cursor: string): number {
  const text = Buffer.from(cursor, 'base64url').toString();
  const m = /^p:(\d+)$/.exec(text);
  if (!m) throw new Error('invalid cursor');
  return Number(m[1]);
}
