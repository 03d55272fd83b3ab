/**
 * The Kafka rounds of `npm run chaos`, against the real broker, each holding the broker
 * lock that the tests in tests/kafka take turns with:
 *
 * - broker kills in a row: the engine (`onematter serve --bus kafka`, simulated
 *   departments) runs cases while the broker is stopped and started again, twice, 2 s
 *   apart; every case must complete once, and the engine's consumers must come back.
 * - poison messages of every kind on the decision topics: each must land in the DLQ with
 *   a `dlq-reason`, decide nothing, and not hold up a valid decision sent after it.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { verifyChain } from '@onematter/engine';
import { enterpriseSetupV1 } from '@onematter/workflows';
import type { IHeaders } from 'kafkajs';
import { startServer, ROOT, type ServerProcess } from '../support/server.js';
import { whyUnreachable } from '../support/postgres.js';
import { acquireBrokerLock, BROKERS, kafka, KAFKA_SH, reachable, readTopic, releaseBrokerLock } from '../kafka/support.js';
import {
  auditVerifyAll,
  brokeOff,
  cleanupLater,
  Deadline,
  DeadlinePassed,
  dropSchema,
  freshSchema,
  PG_URL,
  request,
  sleep,
  untilAllDone,
  within,
  type RoundResult,
} from './harness.js';

/** The kafka.sh that started the broker (its pid file is beside it); stop/start go through it. */
export const CHAOS_KAFKA_SH = process.env.CHAOS_KAFKA_SH ?? KAFKA_SH;

/** True while a round has the broker stopped (an interrupted run starts it again). */
export let brokerStoppedByUs = false;

/** Starts the broker again, synchronously: for a run interrupted while the broker was down. */
export function restartBrokerNow(): void {
  if (!brokerStoppedByUs) return;
  spawnSync('bash', [CHAOS_KAFKA_SH, 'start'], { cwd: ROOT, stdio: 'inherit', timeout: 180_000, env: { ...process.env, KAFKA_START_TIMEOUT: process.env.KAFKA_START_TIMEOUT ?? '150' } });
  brokerStoppedByUs = false;
}

function kafkaSh(cmd: 'start' | 'stop' | 'status', timeoutMs = 180_000): Promise<{ code: number; output: string }> {
  if (cmd === 'stop') brokerStoppedByUs = true;
  return new Promise((resolve) => {
    // A loaded machine may need longer than kafka.sh's 60 s for the broker to be ready.
    const env = { ...process.env, KAFKA_START_TIMEOUT: process.env.KAFKA_START_TIMEOUT ?? '150' };
    execFile('bash', [CHAOS_KAFKA_SH, cmd], { cwd: ROOT, timeout: timeoutMs, env }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : 1) : 0;
      if (cmd === 'start' && code === 0) brokerStoppedByUs = false;
      resolve({ code, output: `${stdout}${stderr}`.trim() });
    });
  });
}

const newResult = (round: string, unit: string): RoundResult => ({ round, unit, tried: 0, survived: 0, lost: 0, duplicated: 0, failures: [], notes: [], seconds: 0, ran: true });

const notRun = (r: RoundResult, why: string): RoundResult => {
  r.ran = false;
  r.failures.push(why);
  return r;
};

/** Retries a broker call through the leader elections of a broker that has just started (or topics just created). */
async function retrying<T>(fn: () => Promise<T>, attempts = 20): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= attempts) throw error;
      await sleep(500);
    }
  }
}

/** Deletes every topic whose name starts with one of the prefixes (leftovers only slow the broker's restarts). */
async function deleteTopics(prefixes: readonly string[]): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const mine = (await admin.listTopics()).filter((t) => prefixes.some((p) => t.startsWith(`${p}.`)));
    if (mine.length > 0) await admin.deleteTopics({ topics: mine, timeout: 30_000 });
  } catch {
    // Harmless: `kafka.sh stop --clean` removes them.
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/** Runs `body` holding the broker lock (waiting up to `waitMs` for it); the round is "not run" if the lock never comes. */
async function withBroker(r: RoundResult, waitMs: number, body: () => Promise<void>): Promise<RoundResult> {
  try {
    await acquireBrokerLock(waitMs);
  } catch (error) {
    return notRun(r, `the broker lock: ${(error as Error).message}`);
  }
  try {
    // Probed again under the lock: a test that held it may have just restarted the broker.
    const end = Date.now() + 60_000;
    let up = await reachable();
    while (!up && Date.now() < end) {
      await sleep(1_000);
      up = await reachable();
    }
    if (!up) {
      notRun(r, `no Kafka broker at ${BROKERS.join(',')}; start one with \`npm run kafka:start\``);
      return r;
    }
    await body();
  } finally {
    releaseBrokerLock();
  }
  return r;
}

interface CaseView {
  id: string;
  status: string;
  tasks: { id: string; department: string; status: string }[];
}

interface EventRow {
  position: number;
  type: string;
  data: { taskId?: string };
  hash: string;
  prevHash: string;
  recordedAt: string;
  metadata: unknown;
}

const startBody = (n: string) => ({
  matter: 'enterprise-setup',
  applicant: enterpriseSetupV1.exampleApplicant,
  form: { ...(enterpriseSetupV1.example as Record<string, unknown>), enterpriseName: `福州市混沌测试${n}科技有限公司` },
});

/** Starts a case, sending it again until it is acknowledged (same Idempotency-Key). */
async function startCase(base: string, key: string, deadline: Deadline): Promise<CaseView> {
  return within(60_000, deadline, `case ${key} to start`, async () => {
    try {
      const r = await request<CaseView>(`${base}/api/v1/cases`, { method: 'POST', body: startBody(key), headers: { 'idempotency-key': key } });
      if (r.status === 201) return r.body;
      if (r.status < 500) throw new Error(`POST /cases answered ${r.status}: ${JSON.stringify(r.body).slice(0, 200)}`);
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('POST /cases')) throw error;
    }
    return undefined;
  }, 200);
}

/** What `/health` answers, in a line: its status, and how many consumers run and restarted when it lists them. */
async function healthOf(base: string): Promise<{ status: number; said: string }> {
  try {
    const h = await request<{ status?: string; consumers?: { name: string; state: string; restarts?: number }[]; problems?: string[] }>(`${base}/api/v1/health`);
    const all = h.body.consumers;
    const running = all?.filter((c) => c.state === 'running').length;
    const restarts = all?.reduce((n, c) => n + (c.restarts ?? 0), 0);
    const consumers = all ? `${running} of ${all.length} consumers running, ${restarts} restarts in all` : '';
    const problems = h.body.problems?.length ? `; problems: ${h.body.problems.join('; ').slice(0, 200)}` : '';
    return { status: h.status, said: `${h.status} ${h.body.status ?? ''}${consumers ? ` (${consumers})` : ''}${problems}` };
  } catch (error) {
    return { status: 0, said: `no answer (${(error as Error).message})` };
  }
}

// ==================================================================== broker kills

export interface BrokerOptions {
  cases: number;
  /** Broker stops (each followed by a start). */
  kills: number;
  /** Time between the broker being back and the next stop. */
  gapMs: number;
  deadlineMs: number;
  lockWaitMs: number;
  log?: (line: string) => void;
}

export async function brokerRound(o: BrokerOptions): Promise<RoundResult> {
  const t0 = Date.now();
  const r = newResult(`broker killed ${o.kills}× in a row, ${o.gapMs / 1000} s apart (engine on --bus kafka)`, 'cases');
  const log = o.log ?? (() => {});
  await withBroker(r, o.lockWaitMs, async () => {
    if ((await kafkaSh('status', 30_000)).code !== 0) {
      notRun(r, `the broker at ${BROKERS.join(',')} was not started by ${CHAOS_KAFKA_SH} (no pid file there): run \`npm run kafka:start\`, or set CHAOS_KAFKA_SH to the kafka.sh that started it`);
      return;
    }
    const deadline = new Deadline(o.deadlineMs);
    const prefix = `chaos${randomBytes(4).toString('hex')}`;
    const dataDir = mkdtempSync(join(tmpdir(), 'onematter-chaos-kafka-'));
    const storeFlags = ['--store', 'sqlite', '--data-dir', dataDir];
    const cleanUp = cleanupLater(async () => {
      await deleteTopics([prefix]);
      rmSync(dataDir, { recursive: true, force: true });
    });
    let engine: ServerProcess | undefined;
    try {
      engine = await startServer(
        [...storeFlags, '--bus', 'kafka', '--kafka-brokers', BROKERS.join(','), '--topic-prefix', prefix, '--simulate-departments', '--simulate-delay-ms', '200,1500'],
        {},
        60_000,
      );
      const base = engine.url;
      log(`  engine at ${base} on topics ${prefix}.*`);
      const ids: string[] = [];
      const starting = async (from: number, to: number) => {
        for (let i = from; i < to; i += 8) {
          const batch = Array.from({ length: Math.min(8, to - i) }, (_, k) => startCase(base, `${prefix}-${i + k}`, deadline));
          ids.push(...(await Promise.all(batch)).map((c) => c.id));
        }
      };
      const half = Math.ceil(o.cases / 2);
      await starting(0, half);
      const decided = async () => {
        let n = 0;
        for (const id of ids) {
          const c = await request<CaseView>(`${base}/api/v1/cases/${id}`);
          n += c.body.tasks.filter((t) => t.status === 'approved').length;
        }
        return n;
      };
      await within(60_000, deadline, 'the first decisions', async () => ((await decided()) >= half ? true : undefined), 500);

      // The rest of the cases start while the broker goes down, comes back, goes down again.
      const rest = starting(half, o.cases).then(
        () => undefined,
        (error: unknown) => error as Error,
      );
      for (let k = 1; k <= o.kills; k++) {
        log(`  broker stop ${k}/${o.kills}`);
        const stop = await kafkaSh('stop');
        if (stop.code !== 0) throw new Error(`kafka.sh stop failed: ${stop.output}`);
        const start = await kafkaSh('start');
        if (start.code !== 0) throw new Error(`kafka.sh start failed: ${start.output}`);
        log(`  broker back (${k}/${o.kills})`);
        if (k < o.kills) await sleep(o.gapMs);
      }
      const failedToStart = await rest;
      if (failedToStart) throw failedToStart;
      r.tried = ids.length;

      // Every case completes, with nothing twice.
      const open = await untilAllDone(ids, async (id) => (await request<CaseView>(`${base}/api/v1/cases/${id}`)).body.status === 'completed', {
        maxMs: 180_000,
        idleMs: 60_000,
        everyMs: 1_000,
        deadline,
      });
      const health = await healthOf(base);
      if (open.length > 0) {
        r.failures.push(`${open.length} of ${ids.length} cases never completed after the broker came back (e.g. ${open[0]}): a consumer did not come back`);
        if (health.status === 200) r.failures.push(`/health answered 200 while cases were stuck: ${health.said}`);
      } else {
        // Every consumer is back: /health must say so (it answers 503 while one is down).
        const settled = await untilAllDone(['health'], async () => (await healthOf(base)).status === 200, { maxMs: 30_000, idleMs: 30_000, everyMs: 1_000, deadline });
        if (settled.length > 0) r.failures.push(`/health still ${(await healthOf(base)).said} after every case completed`);
      }
      r.notes.push(`/health after: ${(await healthOf(base)).said}`);
      for (const id of ids) {
        const events = (await request<EventRow[]>(`${base}/api/v1/cases/${id}/events`)).body;
        const count = (type: string) => events.filter((e) => e.type === type).length;
        const decisions = events.filter((e) => e.type === 'DecisionRecorded').map((e) => e.data.taskId);
        const broken = verifyChain(id, events);
        if (broken) r.failures.push(`case ${id}: position ${broken.position}: ${broken.reason}`);
        const twice =
          count('CaseStarted') > 1 || count('CaseCompleted') > 1 || count('TaskDispatched') > 7 || decisions.length > new Set(decisions).size || decisions.length > 7;
        if (count('CaseStarted') === 0) r.lost++;
        else if (twice) {
          r.duplicated++;
          r.failures.push(`case ${id} holds an event twice (${count('TaskDispatched')} dispatches, ${decisions.length} decisions, ${count('CaseCompleted')} completions)`);
        } else if (count('CaseCompleted') === 1 && decisions.length === 7) r.survived++;
        else r.lost++;
      }
      await engine.kill('SIGTERM');
      engine = undefined;
      await auditVerifyAll(r, storeFlags, deadline);
    } catch (error) {
      brokeOff(r, error);
    } finally {
      await engine?.kill('SIGKILL');
      if (brokerStoppedByUs || (await kafkaSh('status', 30_000)).code !== 0) {
        const again = await kafkaSh('start');
        if (again.code !== 0) r.failures.push(`the broker did not start again: ${again.output.split('\n').slice(-3).join(' | ')}`);
      }
      await cleanUp();
    }
  });
  r.seconds = (Date.now() - t0) / 1000;
  return r;
}

// ==================================================================== poison messages

export interface PoisonOptions {
  store: 'sqlite' | 'postgres';
  /** How long a valid decision sent after a poison message may take before the poison counts as stalling. */
  waitMs: number;
  deadlineMs: number;
  lockWaitMs: number;
  pgUrl?: string;
  log?: (line: string) => void;
}

const SAMR_OUTPUT = { unifiedSocialCreditCode: '91350100M000100Y43', licenceNumber: 'L350100202600001' };
const PSB_OUTPUT = { sealFilingNumber: 'YZ3501002026000001' };
const HOLE = '@@chaos@@';

/** A decision's JSON text with raw `bytes` in place of the string HOLE (quotes included). */
const withBytes = (value: object, bytes: Buffer | string): Buffer => {
  const [before, after] = JSON.stringify(value).split(`"${HOLE}"`);
  return Buffer.concat([Buffer.from(before!), Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes), Buffer.from(after!)]);
};

type Channel = 'shared' | 'samr' | 'psb';
interface PoisonKind {
  name: string;
  /** shared: <prefix>.decisions; samr, psb: the department's own <prefix>.decisions.<dept>. */
  channel: Channel;
  value(victim: string, id: string): Buffer;
}

/** Every kind of poison decision, each aimed at the victim case's pending samr task. */
function poisonKinds(): PoisonKind[] {
  const decision = (victim: string, id: string, extra: Record<string, unknown> = {}) => ({
    decisionId: id,
    taskId: `${victim}.samr`,
    caseId: victim,
    department: 'samr',
    decision: 'approved',
    output: SAMR_OUTPUT,
    ...extra,
  });
  const json = (v: object) => Buffer.from(JSON.stringify(v));
  const common = (channel: Channel): PoisonKind[] => [
    { name: 'not JSON', channel, value: () => Buffer.from('{"decisionId": "x", this is not JSON') },
    {
      name: 'invalid UTF-8',
      channel,
      value: (v, id) => withBytes(decision(v, id, { output: { ...SAMR_OUTPUT, registeredName: HOLE } }), Buffer.from([0x22, 0xe5, 0xbc, 0xa0, 0xff, 0xfe, 0xc3, 0x28, 0x22])),
    },
    { name: 'wrong schema', channel, value: (v) => json({ decisionId: 7, taskId: `${v}.samr`, decision: 'maybe', output: 'none' }) },
    {
      name: '10,000-deep output',
      channel,
      value: (v, id) => withBytes(decision(v, id, { output: { ...SAMR_OUTPUT, nested: HOLE } }), `${'{"a":'.repeat(10_000)}0${'}'.repeat(10_000)}`),
    },
    { name: '900 KB junk key in output', channel, value: (v, id) => json(decision(v, id, { output: { ...SAMR_OUTPUT, junk: 'x'.repeat(900 * 1024) } })) },
    { name: 'unknown task', channel, value: (v, id) => json(decision(v, id, { taskId: `${randomUUID()}.samr`, caseId: undefined })) },
    { name: 'NUL in text', channel, value: (v, id) => json(decision(v, id, { output: { ...SAMR_OUTPUT, registeredName: '张\u0000三' } })) },
    { name: 'lone surrogates', channel, value: (v, id) => json(decision(v, id, { reason: 'ok\ud800', output: { ...SAMR_OUTPUT, registeredName: '\udc00张三' } })) },
  ];
  return [
    ...common('shared'),
    { name: 'forged: no department', channel: 'shared', value: (v, id) => json(decision(v, id, { department: undefined })) },
    { name: "forged: another department's name", channel: 'shared', value: (v, id) => json(decision(v, id, { department: 'psb' })) },
    ...common('samr'),
    { name: "forged: samr's task on psb's topic", channel: 'psb', value: (v, id) => json(decision(v, id, { department: undefined })) },
    { name: "forged: psb's topic, claiming samr", channel: 'psb', value: (v, id) => json(decision(v, id)) },
  ];
}

const topicOf = (prefix: string, channel: Channel) => (channel === 'shared' ? `${prefix}.decisions` : `${prefix}.decisions.${channel}`);
const channelName = (channel: Channel) => (channel === 'shared' ? 'onematter.decisions' : `onematter.decisions.${channel}`);

export async function poisonRound(o: PoisonOptions): Promise<RoundResult> {
  const t0 = Date.now();
  const kinds = poisonKinds();
  const r = newResult(`poison decisions on Kafka, ${o.store === 'sqlite' ? 'SQLite' : 'PostgreSQL'} (${kinds.length} kinds)`, 'poison messages');
  const log = o.log ?? (() => {});
  const pgUrl = o.pgUrl ?? PG_URL;
  if (o.store === 'postgres') {
    const why = await whyUnreachable(pgUrl);
    if (why) return notRun(r, `PostgreSQL unreachable at ${pgUrl}: ${why}`);
  }
  await withBroker(r, o.lockWaitMs, async () => {
    const deadline = new Deadline(o.deadlineMs);
    const dataDir = mkdtempSync(join(tmpdir(), 'onematter-chaos-poison-'));
    const schema = freshSchema('poison');
    const storeFlags = o.store === 'sqlite' ? ['--store', 'sqlite', '--data-dir', dataDir] : ['--store', 'postgres', '--pg-url', pgUrl, '--pg-schema', schema];
    const prefixes: string[] = [];
    const producer = kafka.producer({ maxInFlightRequests: 1 });
    const admin = kafka.admin();
    let engine: ServerProcess | undefined;
    let prefix = '';
    const cleanUp = cleanupLater(async () => {
      await deleteTopics(prefixes);
      rmSync(dataDir, { recursive: true, force: true });
      if (o.store === 'postgres') await dropSchema(pgUrl, schema).catch((e) => r.notes.push(`schema ${schema} not dropped: ${(e as Error).message}`));
    });

    /** The engine on fresh topics: after a stall, so the next kinds are judged on their own. */
    const startEngine = async () => {
      if (engine) {
        const stopping = engine;
        await Promise.race([stopping.kill('SIGTERM'), sleep(10_000)]);
        await stopping.kill('SIGKILL');
      }
      prefix = `chaos${randomBytes(4).toString('hex')}`;
      prefixes.push(prefix);
      await retrying(() =>
        admin.createTopics({
          waitForLeaders: true,
          topics: [...(['shared', 'samr', 'psb'] as const).map((c) => topicOf(prefix, c)), `${prefix}.decisions.dlq`].map((topic) => ({ topic, numPartitions: 3 })),
        }),
      );
      engine = await startServer(
        [...storeFlags, '--bus', 'kafka', '--kafka-brokers', BROKERS.join(','), '--topic-prefix', prefix, '--simulate-departments', '--manual-departments', 'samr,psb', '--simulate-delay-ms', '0,50'],
        {},
        60_000,
      );
      log(`  engine at ${engine.url} on topics ${prefix}.*`);
    };
    const send = async (channel: Channel, key: string, value: Buffer, headers: IHeaders = {}) => {
      await retrying(() => producer.send({ topic: topicOf(prefix, channel), acks: -1, messages: [{ key, value, partition: 0, headers }] }));
    };
    const taskStatus = async (caseId: string, department: string) => {
      const c = await request<CaseView>(`${engine!.url}/api/v1/cases/${caseId}`);
      return c.body.tasks.find((t) => t.department === department)?.status;
    };
    const decidedWithin = async (caseId: string, department: string, ms: number) => {
      try {
        await within(ms, deadline, `${department}'s decision on ${caseId}`, async () => ((await taskStatus(caseId, department)) === 'approved' ? true : undefined), 200);
        return true;
      } catch (error) {
        if (error instanceof DeadlinePassed) return false;
        throw error;
      }
    };
    const follower = (channel: Channel, caseId: string) =>
      channel === 'psb'
        ? { department: 'psb', value: Buffer.from(JSON.stringify({ decisionId: `follow-${caseId}`, taskId: `${caseId}.psb`, caseId, department: 'psb', decision: 'approved', output: PSB_OUTPUT })) }
        : { department: 'samr', value: Buffer.from(JSON.stringify({ decisionId: `follow-${caseId}`, taskId: `${caseId}.samr`, caseId, department: 'samr', decision: 'approved', output: SAMR_OUTPUT })) };

    try {
      await retrying(() => producer.connect());
      await retrying(() => admin.connect());
      await startEngine();
      const base = () => engine!.url;

      // A victim (its samr task pending) and a follower per kind; psb's followers have their psb task pending.
      const tag = randomBytes(3).toString('hex');
      const cases: { victim: string; follower: string }[] = [];
      for (const [i, kind] of kinds.entries()) {
        const victim = (await startCase(base(), `poison-${tag}-v${i}`, deadline)).id;
        const next = (await startCase(base(), `poison-${tag}-f${i}`, deadline)).id;
        if (kind.channel === 'psb') {
          const a = await request(`${base()}/api/v1/tasks/${next}.samr/decisions`, { method: 'POST', body: { decisionId: `setup-${next}`, decision: 'approved', output: SAMR_OUTPUT } });
          if (a.status !== 200) throw new Error(`approving samr for a psb follower answered ${a.status}`);
        }
        cases.push({ victim, follower: next });
      }
      for (const [i, kind] of kinds.entries()) {
        if (kind.channel !== 'psb') continue;
        await within(30_000, deadline, 'psb tasks to be dispatched', async () => ((await taskStatus(cases[i]!.follower, 'psb')) === 'pending' ? true : undefined), 200);
      }
      const probe = (await startCase(base(), `poison-${tag}-probe`, deadline)).id;
      log(`  ${kinds.length * 2 + 1} cases ready`);

      const outcome = new Map<number, { followed: boolean; untouched: boolean; skipped?: string }>();
      let perDepartment: string | undefined;
      const stalledButHealthy: number[] = [];
      for (const [i, kind] of kinds.entries()) {
        if (deadline.expired) break;
        const { victim, follower: next } = cases[i]!;
        if (kind.channel !== 'shared' && perDepartment === undefined) {
          // Does the engine take decisions from a department's own topic at all?
          await send('samr', probe, follower('samr', probe).value);
          perDepartment = (await decidedWithin(probe, 'samr', o.waitMs)) ? '' : `the engine took no decision from ${channelName('samr')} in ${o.waitMs / 1000} s`;
          log(`  per-department decision topics: ${perDepartment || 'consumed'}`);
        }
        if (kind.channel !== 'shared' && perDepartment) {
          outcome.set(i, { followed: false, untouched: true, skipped: perDepartment });
          continue;
        }
        const id = `poison-${i}-${victim}`;
        await send(kind.channel, victim, kind.value(victim, id), { 'chaos-poison': `${tag}-${i}` });
        // Let the poison be fetched on its own, so that a valid decision after it can only pass it.
        await sleep(1_500);
        const f = follower(kind.channel, next);
        await send(kind.channel, next, f.value);
        const followed = await decidedWithin(next, f.department, o.waitMs);
        const untouched = (await taskStatus(victim, 'samr')) === 'pending';
        outcome.set(i, { followed, untouched });
        log(`  ${channelName(kind.channel)}: ${kind.name}: ${followed ? 'the next decision went through' : 'STALLED the next decision'}${untouched ? '' : ', DECIDED the task'}`);
        if (!followed) {
          const health = await healthOf(engine!.url);
          if (health.status === 200) stalledButHealthy.push(i);
          await startEngine();
        }
      }

      // The dead letters, by the header each poison carried.
      const dlq = new Map<string, string>();
      for (const p of prefixes) {
        for (const m of await readTopic(`${p}.decisions.dlq`, 60_000)) {
          if (m.headers['chaos-poison']) dlq.set(m.headers['chaos-poison'], m.headers['dlq-reason'] ?? '');
        }
      }
      r.tried = kinds.length;
      for (const [i, kind] of kinds.entries()) {
        const what = `${channelName(kind.channel)}: ${kind.name}`;
        const got = outcome.get(i);
        if (!got) {
          r.failures.push(`${what}: not tried before the deadline`);
          continue;
        }
        if (got.skipped) {
          r.failures.push(`${what}: not tried: ${got.skipped}`);
          continue;
        }
        const reason = dlq.get(`${tag}-${i}`);
        const problems = [
          ...(reason === undefined ? ['not in the DLQ'] : reason === '' ? ['in the DLQ without a dlq-reason'] : []),
          ...(got.untouched ? [] : ['decided the task (accepted)']),
          ...(got.followed ? [] : ['stalled the valid decision sent after it']),
          ...(stalledButHealthy.includes(i) ? ['and /health answered 200 meanwhile'] : []),
        ];
        if (!got.followed) r.lost++;
        if (problems.length === 0) r.survived++;
        else r.failures.push(`${what}: ${problems.join(', ')}`);
      }
      // A poison stored as data must not break the read model for everyone (as NUL did on PostgreSQL).
      const list = await request(`${base()}/api/v1/cases?limit=100`);
      if (list.status !== 200) r.failures.push(`GET /cases answers ${list.status} after the poison messages`);
      const reasons = [...new Set(kinds.map((_, i) => dlq.get(`${tag}-${i}`)).filter((x): x is string => !!x).map((x) => x.split(':')[0]))];
      if (reasons.length) r.notes.push(`dlq-reason kinds seen: ${reasons.join(', ')}`);
      if (prefixes.length > 1) r.notes.push(`engine restarted on fresh topics ${prefixes.length - 1}× after a stall`);
    } catch (error) {
      brokeOff(r, error);
    } finally {
      await engine?.kill('SIGKILL');
      await producer.disconnect().catch(() => {});
      await admin.disconnect().catch(() => {});
      await cleanUp();
    }
  });
  r.seconds = (Date.now() - t0) / 1000;
  return r;
}
