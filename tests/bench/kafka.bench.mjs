// Kafka rows of the benchmark: imported by the bench harness (tests/bench/run.mjs),
// or run on its own: node tests/bench/kafka.bench.mjs [--cases 2000] [--brokers 127.0.0.1:9092]
// Runs on the built packages (dist). Needs a broker (npm run kafka:start).
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import pino from 'pino';
import { createRuntime } from '@onematter/api';
import { topicsWithPrefix } from '@onematter/engine';
import { enterpriseSetupV1 } from '@onematter/workflows';
import { cpuSecondsOf } from './procCpu.mjs';

const log = pino({ level: 'silent' });

/** Runs `n` tasks with at most `limit` in flight. */
async function pool(n, limit, task) {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, n) }, async () => {
    while (next < n) await task(next++);
  }));
}

/**
 * (a) The floor: `messages` JSON messages of `size` bytes with case-id keys, produced
 * by one idempotent kafkajs producer (acks -1, batches of 500, one request in flight,
 * as the outbox relay sends) and consumed by one consumer group on the same topic,
 * from the first send until the last message is consumed.
 */
async function floorRun(brokers, messages, size = 900, partitions = 3) {
  const kafka = new Kafka({ clientId: 'bench-floor', brokers, logLevel: logLevel.NOTHING });
  const topic = `bench-floor-${randomBytes(4).toString('hex')}`;
  const admin = kafka.admin();
  await admin.connect();
  for (let attempt = 1; ; attempt++) {
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
      break;
    } catch (error) {
      if (!error.retriable || attempt >= 10) throw error; // a busy broker may not know its new topic yet
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
  }
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  const consumer = kafka.consumer({ groupId: `${topic}-g`, maxWaitTimeInMs: 100, sessionTimeout: 10_000, heartbeatInterval: 1000 });
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const value = JSON.stringify({ pad: 'x'.repeat(size) });
  let consumed = 0;
  let resolveDone;
  const done = new Promise((r) => (resolveDone = r));
  let joined;
  const joinedP = new Promise((r) => (joined = r));
  consumer.on(consumer.events.GROUP_JOIN, () => joined());
  await consumer.run({
    partitionsConsumedConcurrently: partitions,
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) JSON.parse(m.value.toString());
      consumed += batch.messages.length;
      if (consumed >= messages) resolveDone();
    },
  });
  await joinedP;
  const t0 = performance.now();
  for (let i = 0; i < messages; i += 500) {
    const n = Math.min(500, messages - i);
    await producer.send({ topic, acks: -1, messages: Array.from({ length: n }, (_, j) => ({ key: `case-${(i + j) % 5000}`, value, headers: { 'event-id': `case:${i + j}`, 'event-type': 'Bench' } })) });
  }
  const produced = performance.now();
  await done;
  const seconds = (performance.now() - t0) / 1000;
  await consumer.disconnect();
  await producer.disconnect();
  await admin.deleteTopics({ topics: [topic] }).catch(() => {});
  await admin.disconnect();
  return { seconds, produceSeconds: (produced - t0) / 1000, msgsPerSec: messages / seconds };
}

/**
 * (b) The engine over Kafka: enterprise-setup cases started through the command
 * handler (SQLite store in a temp dir), tasks relayed from the outbox through the
 * KafkaBus to the seven simulated departments in this process, which answer at once
 * on the decisions topic; until every case's CaseCompleted is durable and every task
 * and every event (on onematter.events, from the event feed) is acknowledged by the broker.
 */
async function engineRun(brokers, cases, concurrency = 400) {
  const dataDir = mkdtempSync(join(tmpdir(), 'onematter-bench-kafka-'));
  const prefix = `bench${randomBytes(4).toString('hex')}`;
  const topics = topicsWithPrefix(prefix);
  const runtime = await createRuntime(
    { store: 'sqlite', dataDir, bus: 'kafka', kafkaBrokers: brokers, topics, simulateDepartments: true, simulation: { delayMs: [0, 0] } },
    log,
  );
  let messages = 0;
  const publish = runtime.bus.publish.bind(runtime.bus);
  runtime.bus.publish = (batch) => {
    messages += batch.length;
    return publish(batch);
  };
  // Done when every case's CaseCompleted is durable, the outbox drained (every task
  // acknowledged) and the event feed at the head of the log (every event acknowledged on
  // onematter.events). Watching appends, not consuming the events topic: its consumers
  // (电子监察, data) are other systems, not this process's work.
  let completed = 0;
  let resolveDone;
  const done = new Promise((r) => (resolveDone = r));
  const append = runtime.store.append.bind(runtime.store);
  runtime.store.append = async (request) => {
    const r = await append(request);
    if (r.ok && request.events.some((e) => e.type === 'CaseCompleted') && ++completed === cases) resolveDone();
    return r;
  };
  const form = enterpriseSetupV1.example;
  const applicant = enterpriseSetupV1.exampleApplicant;
  const cpu0 = process.cpuUsage();
  const broker0 = cpuSecondsOf(/^java$/);
  const t0 = performance.now();
  await pool(cases, concurrency, async (i) => {
    const caseId = `bench-${i}`;
    const r = await runtime.handler.execute(caseId, (now) => ({ type: 'StartCase', data: { caseId, matter: 'enterprise-setup', applicant, form }, now }));
    if (!r.ok) throw new Error(r.error.message);
  });
  await done;
  await runtime.relay.drain(120_000);
  const events = await runtime.store.headPosition();
  while (runtime.eventFeed.checkpoint < events) await new Promise((r) => setTimeout(r, 5));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const brokerCpuMsPerCase = broker0 === undefined ? undefined : ((cpuSecondsOf(/^java$/) - broker0) * 1000) / cases;
  await runtime.close();
  rmSync(dataDir, { recursive: true, force: true });
  await deleteTopics(brokers, prefix);
  return { seconds, casesPerSec: cases / seconds, eventsPerSec: events / seconds, events, messages, cpuMsPerCase: (cpu.user + cpu.system) / 1000 / cases, brokerCpuMsPerCase };
}

/** Removes a run's topics, so repeated runs do not pile up partitions on the broker. */
async function deleteTopics(brokers, prefix) {
  const admin = new Kafka({ clientId: 'bench-cleanup', brokers, logLevel: logLevel.NOTHING }).admin();
  try {
    await admin.connect();
    const mine = (await admin.listTopics()).filter((t) => t.startsWith(`${prefix}.`));
    if (mine.length > 0) await admin.deleteTopics({ topics: mine, timeout: 30_000 });
  } catch {
    // leftovers are harmless
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/**
 * Measures (a) the kafkajs floor on as many messages as (b) moved, and (b) the engine.
 * Returns { floorMsgsPerSec, casesPerSec, eventsPerSec, messages, ... }: `messages` is
 * what (b) published (events and tasks from the outbox, decisions from the departments),
 * `msgsPerSec` (b)'s message rate, `ratio` floor ÷ engine message rate.
 */
export async function benchKafka({ brokers = ['127.0.0.1:9092'], cases = 2000 } = {}) {
  const engine = await engineRun(brokers, cases);
  const floor = await floorRun(brokers, engine.messages);
  const msgsPerSec = engine.messages / engine.seconds;
  return {
    cases,
    messages: engine.messages,
    events: engine.events,
    seconds: engine.seconds,
    casesPerSec: engine.casesPerSec,
    eventsPerSec: engine.eventsPerSec,
    msgsPerSec,
    floorSeconds: floor.seconds,
    floorMsgsPerSec: floor.msgsPerSec,
    ratio: floor.msgsPerSec / msgsPerSec,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      cases: { type: 'string', default: '2000' },
      brokers: { type: 'string', default: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092' },
      // --engine-only: row (b) alone (profiling, A/B runs), with the engine process's CPU time per case.
      'engine-only': { type: 'boolean', default: false },
    },
  });
  const brokers = values.brokers.split(',');
  const r = values['engine-only'] ? await engineRun(brokers, Number(values.cases)) : await benchKafka({ brokers, cases: Number(values.cases) });
  process.stdout.write(JSON.stringify(r, null, 2) + '\n');
}
