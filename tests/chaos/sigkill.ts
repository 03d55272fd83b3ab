/**
 * The durability round: `onematter serve` (the built CLI) killed with SIGKILL under load,
 * again and again, on SQLite or PostgreSQL. Clerks start cases (with an Idempotency-Key)
 * and record supplements, the market regulator's system decides over HTTP, each with an
 * access key; the simulated departments answer the rest. A request that got no answer is
 * sent again, unchanged, once the server is back. Afterwards every acknowledged case
 * start, decision and supplement must be in the store exactly once, every case must
 * complete, and `onematter audit verify --all` must pass.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { verifyChain } from '@onematter/engine';
import { enterpriseSetupV1 } from '@onematter/workflows';
import { startServer, type ServerProcess } from '../support/server.js';
import { whyUnreachable } from '../support/postgres.js';
import {
  auditVerifyAll,
  brokeOff,
  cleanupLater,
  createKey,
  Deadline,
  DeadlinePassed,
  dropSchema,
  freshSchema,
  PG_URL,
  randomIn,
  request,
  sleep,
  untilAllDone,
  type Reply,
  type RoundResult,
} from './harness.js';

export interface SigkillOptions {
  store: 'sqlite' | 'postgres';
  /** How many times the server is killed with SIGKILL. */
  kills: number;
  /** Cases in flight at once (each: start, supplement request, supplement, approval). */
  concurrency: number;
  /** How long the server runs under load before each kill, in ms [min, max]. */
  upMs: readonly [number, number];
  /** The whole round, setup and checks included. */
  deadlineMs: number;
  pgUrl?: string;
  log?: (line: string) => void;
  /**
   * Runs after the load, before the checks, with the acknowledged requests: a test of the
   * harness itself removes one of them here and expects the round to report it lost.
   */
  sabotage?: (at: { dataDir: string; acknowledged: readonly AcknowledgedRequest[] }) => Promise<void> | void;
}

export interface AcknowledgedRequest {
  kind: OpKind;
  /** The decisionId of a decision; the Idempotency-Key of a case start. */
  id: string;
  caseId: string;
}

interface EventRow {
  position: number;
  type: string;
  data: { decisionId?: string };
  hash: string;
  prevHash: string;
  recordedAt: string;
  metadata: unknown;
}

type OpKind = 'case start' | 'decision' | 'supplement';
interface Op {
  kind: OpKind;
  id: string;
  caseId?: string;
  attempts: number;
  /** How it was acknowledged: by a 2xx answer, or (a supplement whose retry met 409) found in the case's events. */
  acked?: 'answer' | 'events';
}

/** Hands out the current server's URL; while it is down, callers wait for the next one. */
class Serving {
  private url: string | undefined;
  private waiters: ((url: string) => void)[] = [];
  up(url: string): void {
    this.url = url;
    for (const w of this.waiters.splice(0)) w(url);
  }
  down(): void {
    this.url = undefined;
  }
  ready(deadline: Deadline): Promise<string> {
    if (this.url) return Promise.resolve(this.url);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new DeadlinePassed('the server did not come back before the deadline')), deadline.left());
      this.waiters.push((url) => {
        clearTimeout(t);
        resolve(url);
      });
    });
  }
}

const MISSING = ['articles-of-association'];

export async function sigkillRound(o: SigkillOptions): Promise<RoundResult> {
  const t0 = Date.now();
  const result: RoundResult = {
    round: `SIGKILL under load, ${o.store === 'sqlite' ? 'SQLite' : 'PostgreSQL'} (${o.kills} kills)`,
    unit: 'acknowledged requests',
    tried: 0,
    survived: 0,
    lost: 0,
    duplicated: 0,
    failures: [],
    notes: [],
    seconds: 0,
    ran: true,
  };
  const log = o.log ?? (() => {});
  const deadline = new Deadline(o.deadlineMs);
  const pgUrl = o.pgUrl ?? PG_URL;
  if (o.store === 'postgres') {
    const why = await whyUnreachable(pgUrl);
    if (why) {
      result.ran = false;
      result.failures.push(`PostgreSQL unreachable at ${pgUrl}: ${why}`);
      return result;
    }
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'onematter-chaos-'));
  const schema = freshSchema('kill');
  const storeFlags = o.store === 'sqlite' ? ['--store', 'sqlite', '--data-dir', dataDir] : ['--store', 'postgres', '--pg-url', pgUrl, '--pg-schema', schema];
  const cleanUp = cleanupLater(async () => {
    rmSync(dataDir, { recursive: true, force: true });
    if (o.store === 'postgres') await dropSchema(pgUrl, schema).catch((e) => result.notes.push(`schema ${schema} not dropped: ${(e as Error).message}`));
  });
  const serverArgs = [...storeFlags, '--simulate-departments', '--manual-departments', 'samr', '--simulate-delay-ms', '20,300'];
  let server: ServerProcess | undefined;
  const serving = new Serving();

  try {
    // The first key creates the store; the second may then run beside the first server's start.
    const clerk = { authorization: `Bearer ${await createKey(storeFlags, 'clerk', 'chaos 综合窗口')}` };
    const samrKey = createKey(storeFlags, 'department', 'chaos 市场监管系统', 'samr');
    samrKey.catch(() => {}); // handled where it is awaited, below
    const start = async (what: string): Promise<ServerProcess> => {
      for (let attempt = 1; ; attempt++) {
        try {
          // Authentication on: the keys above are the only way in.
          return await startServer(serverArgs, { ONEMATTER_NO_AUTH: '' }, Math.min(30_000, Math.max(1_000, deadline.left())));
        } catch (error) {
          const text = (error as Error).message;
          const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
          const why = `${lines[0]} ${lines.filter((l) => /error|fail|did not|in use/i.test(l)).slice(-1)[0] ?? lines[lines.length - 1] ?? ''}`.slice(0, 300);
          result.notes.push(`${what}, attempt ${attempt}: ${why}`);
          log(`  ${what} failed (attempt ${attempt}): ${why}`);
          if (attempt >= 3 || deadline.expired) throw new Error(`the server did not start (${what}, ${attempt} attempts)`);
        }
      }
    };
    server = await start('first start');
    const samr = { authorization: `Bearer ${await samrKey}` };
    serving.up(server.url);
    log(`  serving at ${server.url} (${o.store}); ${o.concurrency} clerks at work`);

    // ------------------------------------------------------------ the load
    const ops: Op[] = [];
    const unexpected: string[] = [];
    let answers5xx = 0;
    let stopping = false;
    let inFlight = 0;
    const run = randomBytes(4).toString('hex');

    /** Sends the request until the server answers it with something other than 5xx; the same body every time. */
    const call = async (op: Op, method: string, path: string, body: unknown, headers: Record<string, string>): Promise<Reply<any>> => {
      for (;;) {
        if (deadline.expired) throw new DeadlinePassed(`${op.kind} ${op.id} not acknowledged before the deadline`);
        const base = await serving.ready(deadline);
        op.attempts++;
        inFlight++;
        try {
          const r = await request<any>(`${base}${path}`, { method, body, headers });
          if (r.status >= 500) {
            answers5xx++;
            await sleep(100);
            continue;
          }
          return r;
        } catch {
          // No answer (killed, reset, timed out): not acknowledged; send it again.
          await sleep(50);
        } finally {
          inFlight--;
        }
      }
    };
    const refused = (op: Op, r: Reply<any>) => {
      unexpected.push(`${op.kind} ${op.id} answered ${r.status}: ${JSON.stringify(r.body).slice(0, 200)}`);
    };

    const journey = async (j: number) => {
      const key = `chaos-${run}-${j}`;
      const form = { ...(enterpriseSetupV1.example as Record<string, unknown>), enterpriseName: `福州市混沌测试${j}号科技有限公司` };
      const started: Op = { kind: 'case start', id: key, attempts: 0 };
      ops.push(started);
      const r = await call(started, 'POST', '/api/v1/cases', { matter: 'enterprise-setup', applicant: enterpriseSetupV1.exampleApplicant, form }, { ...clerk, 'idempotency-key': key });
      if (r.status !== 201) return refused(started, r);
      started.acked = 'answer';
      const caseId: string = r.body.id;
      started.caseId = caseId;
      const task = `${caseId}.samr`;

      const ask: Op = { kind: 'decision', id: `sup-${caseId}`, caseId, attempts: 0 };
      ops.push(ask);
      const a = await call(ask, 'POST', `/api/v1/tasks/${task}/decisions`, { decisionId: ask.id, decision: 'supplement-required', missingMaterials: MISSING, reason: '章程未签字，请补正' }, samr);
      if (a.status !== 200) return refused(ask, a);
      ask.acked = 'answer';

      const supplement: Op = { kind: 'supplement', id: `supplement-${caseId}`, caseId, attempts: 0 };
      ops.push(supplement);
      const s = await call(supplement, 'POST', `/api/v1/cases/${caseId}/supplements`, { materials: MISSING }, clerk);
      if (s.status === 409 && supplement.attempts > 1) {
        // Supplements take no idempotency key: a retry of one the killed server had stored
        // meets "not awaiting a supplement". The case's events say whether it is there.
        const events = await call({ ...supplement }, 'GET', `/api/v1/cases/${caseId}/events`, undefined, clerk);
        if (events.status === 200 && (events.body as EventRow[]).some((e) => e.type === 'SupplementProvided')) supplement.acked = 'events';
        else return refused(supplement, s);
      } else if (s.status !== 200) return refused(supplement, s);
      else supplement.acked = 'answer';

      const approve: Op = { kind: 'decision', id: `ok-${caseId}`, caseId, attempts: 0 };
      ops.push(approve);
      const d = await call(approve, 'POST', `/api/v1/tasks/${task}/decisions`, {
        decisionId: approve.id,
        decision: 'approved',
        output: { unifiedSocialCreditCode: '91350100M000100Y43', licenceNumber: `L-${run}-${j}` },
      }, samr);
      if (d.status !== 200) return refused(approve, d);
      approve.acked = 'answer';
    };

    let next = 0;
    const workers = Array.from({ length: o.concurrency }, async () => {
      while (!stopping && !deadline.expired) await journey(next++);
    });
    const workersDone = Promise.allSettled(workers);

    // ------------------------------------------------------------ the kills
    const inFlightAtKill: number[] = [];
    let kills = 0;
    try {
      for (let k = 1; k <= o.kills && !deadline.expired; k++) {
        await sleep(randomIn(o.upMs));
        inFlightAtKill.push(inFlight);
        serving.down();
        await server.kill('SIGKILL');
        kills++;
        log(`  kill ${k}/${o.kills}: ${inFlightAtKill[k - 1]} requests in flight, ${ops.filter((x) => x.acked).length} acknowledged so far`);
        server = await start(`restart after kill ${k}`);
        serving.up(server.url);
      }
    } finally {
      stopping = true;
    }
    const settled = await workersDone;
    for (const s of settled) if (s.status === 'rejected') unexpected.push(`a clerk gave up: ${(s.reason as Error).message}`);
    if (kills < o.kills) result.failures.push(`only ${kills} of ${o.kills} kills before the deadline`);
    result.notes.push(
      `${kills} SIGKILLs with ${inFlightAtKill.join('/')} requests in flight`,
      `${ops.filter((x) => x.attempts > 1).length} requests sent again after a kill`,
    );
    if (answers5xx > 0) result.notes.push(`${answers5xx} answers 5xx (sent again)`);
    const confirmed = ops.filter((x) => x.acked === 'events').length;
    if (confirmed > 0) result.notes.push(`${confirmed} supplements stored but unanswered before a kill: their retry met 409 (supplements take no idempotency key)`);
    result.failures.push(...unexpected.slice(0, 5));
    if (unexpected.length > 5) result.failures.push(`… and ${unexpected.length - 5} more unexpected answers`);

    // ------------------------------------------------------------ what survived
    const acked = ops.filter((x) => x.acked);
    // Tasks dispatched but not yet relayed at a kill are relayed again: every case completes.
    const base = await serving.ready(deadline);
    const approved = acked.filter((x) => x.id.startsWith('ok-')).map((x) => x.caseId!);
    const open = await untilAllDone(
      approved,
      async (id) => (await request<{ status: string }>(`${base}/api/v1/cases/${id}`, { headers: clerk })).body?.status === 'completed',
      { maxMs: 120_000, idleMs: 30_000, everyMs: 500, deadline },
    );
    if (open.length === 0) result.notes.push(`all ${approved.length} approved cases completed`);
    else result.failures.push(`${open.length} of ${approved.length} cases never completed (e.g. ${open[0]})`);

    // Every acknowledged request is in the case's events exactly once, and the chain holds.
    await o.sabotage?.({ dataDir, acknowledged: acked.map((x) => ({ kind: x.kind, id: x.id, caseId: x.caseId! })) });
    log(`  checking ${acked.length} acknowledged requests`);
    result.tried = acked.length;
    const byCase = new Map<string, Op[]>();
    for (const op of acked) byCase.set(op.caseId!, [...(byCase.get(op.caseId!) ?? []), op]);
    const started = acked.filter((x) => x.kind === 'case start');
    result.notes.unshift(
      `${started.length} case starts, ${acked.filter((x) => x.kind === 'decision').length} decisions, ${acked.filter((x) => x.kind === 'supplement').length} supplements acknowledged`,
    );

    const listed = new Set<string>();
    let cursor: string | null = null;
    do {
      const page: Reply<{ items: { id: string }[]; nextCursor: string | null }> = await request(`${base}/api/v1/cases?limit=500${cursor ? `&cursor=${cursor}` : ''}`, { headers: clerk });
      if (page.status !== 200) throw new Error(`GET /cases answered ${page.status}: ${JSON.stringify(page.body).slice(0, 200)}`);
      for (const c of page.body.items) listed.add(c.id);
      cursor = page.body.nextCursor;
    } while (cursor);
    const extra = [...listed].filter((id) => !byCase.has(id));
    if (extra.length > 0) {
      result.duplicated += extra.length;
      result.failures.push(`${extra.length} cases in the list that no acknowledged start made (e.g. ${extra[0]})`);
    }
    const unlisted = started.filter((s) => !listed.has(s.caseId!));
    if (unlisted.length > 0) result.failures.push(`${unlisted.length} acknowledged cases missing from GET /cases (e.g. ${unlisted[0]!.caseId})`);

    const lostOps: string[] = [];
    const duplicatedOps: string[] = [];
    for (const [caseId, caseOps] of byCase) {
      const r = await request<EventRow[]>(`${base}/api/v1/cases/${caseId}/events`, { headers: clerk });
      const events = r.status === 200 ? r.body : [];
      if (r.status === 200) {
        const broken = verifyChain(caseId, events);
        if (broken) result.failures.push(`case ${caseId}: position ${broken.position}: ${broken.reason}`);
      }
      for (const op of caseOps) {
        const n =
          op.kind === 'case start'
            ? events.filter((e) => e.type === 'CaseStarted').length
            : op.kind === 'supplement'
              ? events.filter((e) => e.type === 'SupplementProvided').length
              : events.filter((e) => e.type === 'DecisionRecorded' && e.data.decisionId === op.id).length;
        if (n === 1) result.survived++;
        else if (n === 0) {
          result.lost++;
          lostOps.push(`${op.kind} ${op.id}`);
        } else {
          result.duplicated++;
          duplicatedOps.push(`${op.kind} ${op.id} ×${n}`);
        }
      }
    }
    if (lostOps.length) result.failures.push(`lost: ${lostOps.slice(0, 5).join(', ')}${lostOps.length > 5 ? ', …' : ''}`);
    if (duplicatedOps.length) result.failures.push(`duplicated: ${duplicatedOps.slice(0, 5).join(', ')}${duplicatedOps.length > 5 ? ', …' : ''}`);

    serving.down();
    await server.kill('SIGTERM');
    server = undefined;
    log('  audit verify --all');
    await auditVerifyAll(result, storeFlags, deadline);
  } catch (error) {
    brokeOff(result, error);
  } finally {
    await server?.kill('SIGKILL');
    await cleanUp();
    result.seconds = (Date.now() - t0) / 1000;
  }
  return result;
}
