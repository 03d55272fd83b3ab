import { createHash } from 'node:crypto';
import { CASE_EVENT_TYPES, decodeCursor, encodeCursor, type AppendRequest, type AppendResult, type CaseStatus, type EventStore, type ReadModelStore, type StoredEvent, type TaskStatus } from '@onematter/engine';
import type { LogFollower } from './logFollower.js';
import { ProjectionRunner, type Projection, type ProjectionDocuments } from './runner.js';
import { pendingTag, workQueueProjection, type WorkQueueCase } from './workQueue.js';

export interface CaseSummary {
  id: string;
  /** 办件编号 (absent on cases started before numbers were given). */
  caseNumber?: string;
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
  /** Search tags (digests of the case's identifiers, see searchTag); never answered. */
  search?: string[];
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
  /**
   * Exact search: the case id or 办件编号, the applicant's name, ID number or phone, or a 统一社会信用代码,
   * ID number or mobile number in the form or in a department's output.
   */
  q?: string;
  /** Only the cases filed under this applicant ID number (an applicant's own cases: 我的办件). */
  applicantId?: string;
}

export interface CaseListPage {
  items: CaseSummary[];
  nextCursor: string | null;
}

const CASE_EVENTS = new Set<string>(CASE_EVENT_TYPES);

/**
 * The tag a search term is found by: a digest of the term (spaces dropped, upper case),
 * so the index answers exact matches and holds no ID number or phone in the clear.
 */
export const searchTag = (term: string): string =>
  `q:${createHash('sha256').update(term.replace(/\s+/g, '').toUpperCase()).digest('base64url').slice(0, 22)}`;

const IDENTIFIERS = [
  /^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/i, // 统一社会信用代码
  /^\d{17}[\dX]$/i, // 居民身份证号码
  /^1[3-9]\d{9}$/, // 手机号码
];

/** The identifiers in a form or an output (credit codes, ID numbers, mobiles), however deep. */
function identifiersIn(value: unknown, found: string[] = [], depth = 0): string[] {
  if (typeof value === 'string') {
    if (IDENTIFIERS.some((r) => r.test(value.trim()))) found.push(value);
  } else if (value && typeof value === 'object' && depth < 8) {
    for (const v of Object.values(value)) identifiersIn(v, found, depth + 1);
  }
  return found;
}

/** The tag of the applicant's ID number: exact, digested like the search terms, apart from them (a form may name other people). */
export const applicantTag = (idNumber: string): string => `applicant:${searchTag(idNumber).slice(2)}`;

const withSearch = (c: CaseSummary, terms: unknown[]): void => {
  const tags = new Set(c.search ?? []);
  for (const t of terms) if (typeof t === 'string' && t.trim()) tags.add(searchTag(t));
  c.search = [...tags];
};

/**
 * The case list read model: one summary per case, tagged with what the list filters on
 * (`status:`, `matter:`, `department:`, `task:<department>:<status>`, `taskStatus:`).
 */
export const caseListProjection: Projection<CaseSummary> = {
  name: 'case-list',
  keysOf: (e) => (CASE_EVENTS.has(e.type) ? [e.streamId] : []),
  apply(e: StoredEvent, docs: ProjectionDocuments<CaseSummary>) {
    if (!CASE_EVENTS.has(e.type)) return;
    const d = e.data as Record<string, unknown> & { at: string };
    if (e.type === 'CaseStarted') {
      const applicant = d.applicant as { name: string; idNumber?: string; phone?: string };
      const c: CaseSummary = {
        id: e.streamId,
        ...(typeof d.caseNumber === 'string' ? { caseNumber: d.caseNumber } : {}),
        matter: d.matter as string,
        matterVersion: d.matterVersion as number,
        status: 'in-progress',
        applicantName: (d.applicant as { name: string }).name,
        createdAt: d.at,
        updatedAt: d.at,
        departments: [],
        tasks: {},
        position: e.globalPosition,
      };
      withSearch(c, [e.streamId, d.caseNumber, applicant.name, applicant.idNumber, applicant.phone, ...identifiersIn(d.form)]);
      if (applicant.idNumber) c.search!.push(applicantTag(applicant.idNumber));
      put(docs, c);
      return;
    }
    const c = docs.get(e.streamId)?.doc;
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
        withSearch(c, identifiersIn(d.output)); // the credit code a registration issued
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
      // 容缺 promise expired: the acceptance is revoked; an open case ends (a completed one keeps its status).
      case 'DeferredAcceptanceRevoked':
        if (c.status === 'in-progress' || c.status === 'awaiting-supplement') {
          c.status = 'withdrawn';
          c.completedAt = d.at;
        }
        break;
    }
    put(docs, c);
  },
};

function put(docs: ProjectionDocuments<CaseSummary>, c: CaseSummary): void {
  const tags = new Set<string>();
  for (const t of Object.values(c.tasks)) {
    tags.add(`task:${t.department}:${t.status}`);
    tags.add(`taskStatus:${t.status}`);
  }
  for (const dep of c.departments) tags.add(`department:${dep}`);
  tags.add(`matter:${c.matter}`);
  tags.add(`status:${c.status}`);
  for (const t of c.search ?? []) tags.add(t);
  docs.put({ key: c.id, position: c.position, tags: [...tags], doc: c });
}

export interface CaseListOptions {
  store: EventStore;
  /** Where the read models are kept: the store's own `readModels`, in the same database. */
  readModels: ReadModelStore;
  /**
   * The highest global position this process has had acknowledged (see trackAppends):
   * a query first catches up to it, so a clerk sees the case they just started.
   */
  lastAppended?: () => number;
  /** How often the background follows the store (with a shared follower: how long new events may wait). Default 30 s. */
  pollIntervalMs?: number;
  /**
   * How long a catch-up stays good for a query when this process has appended nothing since
   * (and the follower has seen nothing new): events another process appended may wait this long. Default 100 ms.
   */
  freshMs?: number;
  /** The process's log follower; without one each runner reads the store on its own. */
  follower?: LogFollower;
  onError?: (error: unknown) => void;
}

/**
 * The case list (`GET /cases`) over two projections kept in the store's database: the
 * case list itself, and the department work queues, which answer "cases with a task
 * pending at this department" from their own index. Both survive restarts (they resume
 * from their checkpoints), follow the store in the background once started, and catch
 * up before every query (read-your-writes for this process).
 */
export class CaseListProjection {
  readonly cases: ProjectionRunner<CaseSummary>;
  readonly workQueue: ProjectionRunner<WorkQueueCase>;

  constructor(private readonly o: CaseListOptions) {
    // Followed lazily in the background: every query catches up first anyway, and on
    // PostgreSQL a read-model commit, like any write transaction, holds back what the outbox
    // relay and the event feed see while it runs (stores/postgres/index.ts), so commits are few and big.
    const common = {
      store: o.store,
      readModels: o.readModels,
      batchSize: 5_000,
      pollIntervalMs: o.pollIntervalMs ?? 30_000,
      ...(o.follower ? { follower: o.follower } : {}),
      ...(o.onError ? { onError: o.onError } : {}),
    };
    this.cases = new ProjectionRunner({ ...common, projection: caseListProjection });
    this.workQueue = new ProjectionRunner({ ...common, projection: workQueueProjection });
  }

  /** Both runners, for what reports on them (/health, /metrics). */
  get runners(): readonly ProjectionRunner<unknown>[] {
    return [this.cases, this.workQueue] as readonly ProjectionRunner<unknown>[];
  }

  /** The case list's checkpoint. */
  get position(): number {
    return this.cases.position;
  }

  start(): void {
    this.cases.start();
    this.workQueue.start();
  }

  async stop(): Promise<void> {
    await Promise.all([this.cases.stop(), this.workQueue.stop()]);
  }

  /**
   * Catches both read models up to everything this process has had acknowledged, and to what
   * other processes appended up to `freshMs` ago. A query with nothing new since the last
   * catch-up reads and writes nothing; concurrent ones share one pass (and so one commit per
   * read model): those that come while a pass runs that does not cover their appends share the next.
   */
  catchUp(): Promise<void> {
    const target = this.o.lastAppended?.() ?? 0;
    if (this.upToDate(target)) return Promise.resolve();
    const current = this.current;
    if (!current) return this.pass().done;
    if (current.covers >= target) return current.done;
    return (this.next ??= current.done
      .catch(() => {})
      .then(() => {
        this.next = undefined;
        return this.pass().done;
      }));
  }

  /** Summary texts (without the search tags) per document version the case list's runner holds. */
  private readonly texts = new WeakMap<object, string>();

  private heldText(key: string): string | undefined {
    const held = this.cases.held(key);
    if (!held) return undefined;
    let text = this.texts.get(held);
    if (text === undefined) {
      const { search: _search, ...summary } = held.doc;
      text = JSON.stringify(summary);
      this.texts.set(held, text);
    }
    return text;
  }

  /** The catch-up under way, and the highest acknowledged append it covers. */
  private current?: { covers: number; done: Promise<void> } | undefined;
  /** The catch-up after it, shared by the queries that came meanwhile. */
  private next?: Promise<void> | undefined;
  /** When the last catch-up that succeeded started (it read everything readable then). */
  private freshAt = Number.NEGATIVE_INFINITY;

  private upToDate(target: number): boolean {
    const at = Math.min(this.cases.position, this.workQueue.position);
    return at >= target && at >= (this.o.follower?.front ?? 0) && Date.now() - this.freshAt < (this.o.freshMs ?? 100);
  }

  private pass(): { covers: number; done: Promise<void> } {
    const covers = this.o.lastAppended?.() ?? 0;
    const startedAt = Date.now();
    const pass = {
      covers,
      done: Promise.all([this.cases.catchUp(covers), this.workQueue.catchUp(covers)])
        .then(() => {
          this.freshAt = Math.max(this.freshAt, startedAt);
        })
        .finally(() => {
          if (this.current === pass) this.current = undefined;
        }),
    };
    this.current = pass;
    return pass;
  }

  async query(q: CaseListQuery): Promise<CaseListPage> {
    if (isWorkQueueQuery(q)) return JSON.parse(await this.workQueueJson(q)) as CaseListPage;
    await this.catchUp();
    const tags = [
      ...(q.taskStatus ? [q.department ? `task:${q.department}:${q.taskStatus}` : `taskStatus:${q.taskStatus}`] : []),
      ...(q.department ? [`department:${q.department}`] : []),
      ...(q.matter ? [`matter:${q.matter}`] : []),
      ...(q.status ? [`status:${q.status}`] : []),
      ...(q.q ? [searchTag(q.q)] : []),
      ...(q.applicantId ? [applicantTag(q.applicantId)] : []),
    ];
    const found = await this.o.readModels.queryDocuments(caseListProjection.name, { ...pageOf(q), tags });
    const items = found.map((d) => {
      const { search: _search, ...summary } = d.doc as CaseSummary;
      return summary;
    });
    const more = items.length > q.limit;
    const shown = more ? items.slice(0, q.limit) : items;
    return { items: shown, nextCursor: more ? encodeCursor(shown[shown.length - 1]!.position) : null };
  }

  /** The page as JSON text, as `GET /cases` answers it (a department's work queue without parsing the summaries). */
  async queryJson(q: CaseListQuery): Promise<string> {
    return isWorkQueueQuery(q) ? this.workQueueJson(q) : JSON.stringify(await this.query(q));
  }

  /**
   * A department's work queue: the keys from its own index, then the summaries of those
   * cases as stored (without their search tags), spliced into the page: polled over and
   * over by the department systems, so nothing in it is parsed and serialised again.
   */
  private async workQueueJson(q: CaseListQuery): Promise<string> {
    await this.catchUp();
    const open = await this.o.readModels.queryKeys(workQueueProjection.name, { ...pageOf(q), tags: [pendingTag(q.department!)] });
    // The summaries the case list's runner holds as it committed them, serialised once per version; the others from the store.
    const texts = new Map<string, string>();
    const missing: string[] = [];
    for (const { key } of open) {
      const text = this.heldText(key);
      if (text === undefined) missing.push(key);
      else texts.set(key, text);
    }
    if (missing.length > 0) for (const d of await this.o.readModels.getDocumentTexts(caseListProjection.name, missing, ['search'])) texts.set(d.key, d.json);
    const items = open.filter((d) => texts.has(d.key));
    const more = items.length > q.limit;
    const shown = more ? items.slice(0, q.limit) : items;
    const nextCursor = more ? JSON.stringify(encodeCursor(shown[shown.length - 1]!.position)) : 'null';
    return `{"items":[${shown.map((d) => texts.get(d.key)!).join(',')}],"nextCursor":${nextCursor}}`;
  }

  /** Number of cases by status (for metrics). */
  async countByStatus(): Promise<Record<CaseStatus, number>> {
    await this.catchUp();
    const counts: Record<CaseStatus, number> = { 'in-progress': 0, 'awaiting-supplement': 0, completed: 0, rejected: 0, withdrawn: 0 };
    for (const status of Object.keys(counts) as CaseStatus[]) {
      counts[status] = await this.o.readModels.countDocuments(caseListProjection.name, `status:${status}`);
    }
    return counts;
  }
}

/** A department's pending tasks and nothing else: answered from the work queue's own index. */
const isWorkQueueQuery = (q: CaseListQuery): boolean =>
  !!q.department && q.taskStatus === 'pending' && !q.status && !q.matter && !q.q && !q.applicantId;

/** One more than the page holds (to know whether another follows), below the cursor. */
function pageOf(q: CaseListQuery): { limit: number; before?: number } {
  const before = q.cursor ? decodeCursor(q.cursor) : undefined;
  return { limit: q.limit + 1, ...(before !== undefined ? { before } : {}) };
}

/**
 * Wraps a store so that the highest global position of its acknowledged appends is known
 * (for read-your-writes); hand the wrapped store to the command handler. `onAppended` sees
 * each durable append with its request (the runtime hands the outbox rows to the relay).
 */
export function trackAppends<S extends EventStore>(
  store: S,
  onAppended?: (request: AppendRequest, result: Extract<AppendResult, { ok: true }>) => void,
): { store: S; lastAppended: () => number } {
  let last = 0;
  const append: EventStore['append'] = async (request) => {
    const result = await store.append(request);
    if (result.ok) {
      if (result.lastGlobalPosition > last) last = result.lastGlobalPosition;
      onAppended?.(request, result);
    }
    return result;
  };
  // Everything else goes to the store itself, with `this` bound to it.
  const tracked = new Proxy(store, {
    get(target, property) {
      if (property === 'append') return append;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { store: tracked, lastAppended: () => last };
}


