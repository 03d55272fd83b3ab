/**
 * Shared by the tests against the real Kafka broker (tests/kafka/*.spec.ts).
 *
 * - The broker is `KAFKA_BROKERS` (default 127.0.0.1:9092), started by CI before the
 *   tests (`npm run kafka:start`). Unreachable: the files FAIL under CI (so CI can never
 *   pass with these tests skipped) and are skipped with the reason otherwise.
 * - Each test uses its own topic prefix, so runs never see each other's messages.
 * - The files take turns (a lock file): one of them restarts the broker, which must not
 *   happen under another file's feet.
 */
import { KafkaBus, startSimulatedDepartments } from '@onematter/adapters';
import { createRuntime, type Runtime, type RuntimeConfig } from '@onematter/api';
import { topicsWithPrefix, type StartedCase, type TaskMessage, type Topics } from '@onematter/engine';
import { defaultCatalogue, enterpriseSetupV1 } from '@onematter/workflows';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, Partitioners, logLevel, type IHeaders } from 'kafkajs';
import pino from 'pino';
import { afterAll, beforeAll, describe } from 'vitest';
import { BIN, ROOT } from '../support/server.js';

import { eventually } from '../support/app.js';

export { eventually };

export const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((s) => s.trim()).filter(Boolean);
export const KAFKA_SH = join(ROOT, 'infra/kafka/kafka.sh');

export const kafka = new Kafka({ clientId: 'onematter-tests', brokers: BROKERS, logLevel: logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 2000 } });

/** Whether the broker answers now (a quick probe). */
export async function reachable(): Promise<boolean> {
  const probe = new Kafka({ clientId: 'onematter-tests-probe', brokers: BROKERS, logLevel: logLevel.NOTHING, connectionTimeout: 2000, retry: { retries: 1 } });
  const admin = probe.admin();
  try {
    await admin.connect();
    await admin.listTopics();
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

export const brokerUp = await reachable();
const reason = `no Kafka broker at ${BROKERS.join(',')}; start one with \`npm run kafka:start\``;
if (!brokerUp && process.env.CI) throw new Error(`${reason} (CI is set: these tests must run, not be skipped)`);
if (!brokerUp) process.stderr.write(`tests/kafka skipped: ${reason}\n`);

/** `describe` that runs against the broker, holding the broker lock for the whole file. */
export function kafkaDescribe(name: string, body: () => void): void {
  if (!brokerUp) {
    describe.skip(`${name} (skipped: ${reason})`, body);
    return;
  }
  describe(name, () => {
    beforeAll(() => acquireBrokerLock(), 240_000);
    // Registered first, so it runs after the file's own afterAll hooks (which close engines).
    afterAll(async () => {
      await deleteOwnTopics();
      releaseBrokerLock();
    }, 60_000);
    body();
  });
}

// ------------------------------------------------------------------ broker lock
const LOCK = join(tmpdir(), 'onematter-kafka-tests.lock');
let holding = false;

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Takes the broker lock (also used by `npm run chaos`, which restarts the broker too). */
export async function acquireBrokerLock(timeoutMs = 230_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, 'pid'), String(process.pid));
      holding = true;
      process.once('exit', releaseBrokerLock);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pidFile = join(LOCK, 'pid');
      const owner = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : NaN;
      // A holder that died is stale; so is a lock without a pid after a few seconds (its writer died in between).
      const orphan = !Number.isInteger(owner) && Date.now() - statSafe(LOCK) > 5_000;
      if ((Number.isInteger(owner) && owner > 0 && !alive(owner)) || orphan) {
        rmSync(LOCK, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`another Kafka test file holds ${LOCK} (pid ${owner})`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

const statSafe = (path: string): number => {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return Date.now();
  }
};

export function releaseBrokerLock(): void {
  if (!holding) return;
  holding = false;
  rmSync(LOCK, { recursive: true, force: true });
}

// ------------------------------------------------------------------ topics, engine, cases
const prefixes = new Set<string>();

/** Topic names of their own for one test; the file's topics are deleted when it ends. */
export function freshTopics(): { prefix: string; topics: Topics } {
  const prefix = `t${randomBytes(5).toString('hex')}`;
  prefixes.add(prefix);
  return { prefix, topics: topicsWithPrefix(prefix) };
}

/** Deletes the topics this file created, so a local broker does not pile up partitions (and restart slowly). */
async function deleteOwnTopics(): Promise<void> {
  if (prefixes.size === 0) return;
  const admin = kafka.admin();
  try {
    await admin.connect();
    const mine = (await admin.listTopics()).filter((t) => [...prefixes].some((p) => t.startsWith(`${p}.`)));
    if (mine.length > 0) await admin.deleteTopics({ topics: mine, timeout: 30_000 });
    prefixes.clear();
  } catch {
    // Leftover topics are harmless; the next `kafka.sh stop --clean` removes them.
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

export const silent = pino({ level: 'silent' });

export interface Engine {
  runtime: Runtime;
  dataDir: string;
  close(): Promise<void>;
}

/** The engine (command handler, outbox relay, decision consumer) over Kafka, on a fresh SQLite store unless `dataDir` is given. */
export async function startEngine(topics: Topics, config: Partial<RuntimeConfig> = {}): Promise<Engine> {
  const dataDir = config.dataDir ?? mkdtempSync(join(tmpdir(), 'onematter-kafka-'));
  const runtime = await createRuntime(
    { store: 'sqlite', bus: 'kafka', kafkaBrokers: BROKERS, simulateDepartments: false, topics, ...config, dataDir },
    silent,
  );
  return {
    runtime,
    dataDir,
    close: async () => {
      await runtime.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Every task relayed from the outbox and every stored event published by the event feed (both acknowledged by the broker). */
export async function settled(runtime: Runtime, timeoutMs = 60_000): Promise<void> {
  await runtime.relay.drain(timeoutMs);
  const head = await runtime.store.headPosition();
  await eventually(() => runtime.eventFeed.checkpoint >= head || undefined, timeoutMs, 'the event feed to reach the head of the log');
}

export async function startEnterpriseSetup(runtime: Pick<Runtime, 'handler'>, caseId: string = randomUUID()): Promise<string> {
  const r = await runtime.handler.execute(caseId, (now) => ({
    type: 'StartCase',
    data: { caseId, matter: enterpriseSetupV1.id, applicant: enterpriseSetupV1.exampleApplicant!, form: enterpriseSetupV1.example as Record<string, unknown> },
    now,
  }));
  if (!r.ok) throw new Error(`StartCase failed: ${r.error.kind} ${r.error.message}`);
  return caseId;
}

export async function caseState(runtime: Pick<Runtime, 'handler'>, caseId: string): Promise<StartedCase> {
  const s = await runtime.handler.load(caseId);
  if (s.kind !== 'started') throw new Error(`case ${caseId} not found`);
  return s;
}

/** Enterprise setup's seven simulated departments as another system would run them: their own bus, producer and consumer groups. */
export async function startOtherDepartments(topics: Topics, delayMs: [number, number]): Promise<{ close(): Promise<void> }> {
  const bus = new KafkaBus({ brokers: BROKERS, topics, clientId: 'departments', logLevel: 'nothing' });
  const departments = await startSimulatedDepartments({
    bus,
    topics,
    catalogue: defaultCatalogue(),
    departments: enterpriseSetupV1.steps.map((s) => s.department),
    delayMs,
  });
  return {
    close: async () => {
      await departments.close();
      await bus.close();
    },
  };
}

// ------------------------------------------------------------------ reading topics
export interface RawMessage {
  partition: number;
  offset: string;
  key: string;
  headers: Record<string, string>;
  value: string | null;
}

const headersOf = (h: IHeaders | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(h ?? {}).flatMap(([k, v]) => (v === undefined ? [] : [[k, (Array.isArray(v) ? v[0]! : v).toString()]])));

/** The partitions' low and high watermarks; none if the topic does not exist. Retries the leader changes of a young topic. */
async function endOffsets(topic: string): Promise<{ partition: number; low: string; high: string }[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        if (!(await admin.listTopics()).includes(topic)) return [];
        return await admin.fetchTopicOffsets(topic);
      } catch (error) {
        if (attempt >= 10) throw error;
        await new Promise((r) => setTimeout(r, 300));
      }
    }
  } finally {
    await admin.disconnect();
  }
}

/** Every message currently in `topic` (up to its high watermarks; none if it does not exist), read with a throwaway consumer group. */
export async function readTopic(topic: string, timeoutMs = 30_000): Promise<RawMessage[]> {
  const ends = await endOffsets(topic);
  const want = new Map(ends.filter((e) => Number(e.high) > Number(e.low)).map((e) => [e.partition, Number(e.high)]));
  if (want.size === 0) return [];
  const consumer = kafka.consumer({ groupId: `reader-${randomUUID()}`, sessionTimeout: 10_000, heartbeatInterval: 1000, maxWaitTimeInMs: 200 });
  const out: RawMessage[] = [];
  const reached = new Map<number, number>();
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`reading ${topic} timed out (${out.length} messages read)`)), timeoutMs);
      const check = () => {
        if ([...want].every(([p, high]) => (reached.get(p) ?? 0) >= high)) {
          clearTimeout(t);
          resolve();
        }
      };
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          out.push({ partition, offset: message.offset, key: message.key?.toString() ?? '', headers: headersOf(message.headers), value: message.value?.toString() ?? null });
          reached.set(partition, Number(message.offset) + 1);
          check();
        },
      });
    });
  } finally {
    await consumer.disconnect().catch(() => {});
  }
  return out.sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset));
}

/** The task the engine published to `department` for a case, as the department reads it (waits for it). */
export async function publishedTask(topics: Topics, caseId: string, department: string): Promise<{ task: TaskMessage; message: RawMessage }> {
  const message = await eventually(async () => (await readTopic(topics.tasks(department))).find((m) => m.key === caseId), 20_000, `the ${department} task of ${caseId}`);
  return { task: JSON.parse(message.value!) as TaskMessage, message };
}

/** Resolves when `group` has committed every message of `topic` (it has handled them all). */
export async function caughtUp(group: string, topic: string, timeoutMs = 30_000): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ends = await endOffsets(topic);
      const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
      const at = new Map(committed!.partitions.map((p) => [p.partition, Number(p.offset)]));
      if (ends.every((e) => Number(e.high) === 0 || (at.get(e.partition) ?? -1) >= Number(e.high))) return;
      if (Date.now() > deadline) throw new Error(`${group} did not catch up on ${topic}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await admin.disconnect();
  }
}

/** Produces raw values (strings, sent as they are) with a plain kafkajs producer: a department with nothing of ours. A `partition` overrides the key's. */
export async function produceRaw(topic: string, messages: { key: string; value: string | Buffer; partition?: number }[]): Promise<number[]> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    const meta = await producer.send({ topic, acks: -1, messages });
    return meta.map((m) => m.partition);
  } finally {
    await producer.disconnect();
  }
}

// ------------------------------------------------------------------ processes and the broker
export interface DepartmentProcess {
  id: string;
  child: ChildProcess;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function assertBuilt(): void {
  const dist = join(ROOT, 'packages/api/dist/commands/department.js');
  if (!existsSync(dist)) throw new Error(`${dist} is missing: run \`npm run build\` first (bin/onematter.js runs the built CLI)`);
}

/** `onematter department <id> --simulate` as its own process; resolves once it takes tasks. */
export async function spawnDepartment(id: string, prefix: string, extra: string[] = [], timeoutMs = 30_000): Promise<DepartmentProcess> {
  const child = spawn(process.execPath, [BIN, 'department', id, '--simulate', '--kafka-brokers', BROKERS.join(','), '--topic-prefix', prefix, '--log-level', 'warn', ...extra], {
    cwd: ROOT,
    env: { ...process.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`department ${id} did not start in time:\n${out}`)), timeoutMs);
    child.stdout!.on('data', () => {
      if (out.includes('is taking tasks')) {
        clearTimeout(t);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`department ${id} exited with ${code}:\n${out}`));
    });
  });
  return {
    id,
    child,
    output: () => out,
    stop: (signal = 'SIGTERM') =>
      new Promise((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done(child.exitCode);
        child.once('exit', (code) => done(code));
        child.kill(signal);
      }),
  };
}

/** `bash infra/kafka/kafka.sh <cmd>`; throws with its output if it fails. */
export function kafkaSh(cmd: 'start' | 'stop' | 'status'): { code: number; output: string } {
  const r = spawnSync('bash', [KAFKA_SH, cmd], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  if (cmd !== 'status' && r.status !== 0) throw new Error(`kafka.sh ${cmd} failed (${r.status}):\n${output}`);
  return { code: r.status ?? -1, output };
}
