/**
 * `npm run chaos`: the fault suite. Repeats the durability and Kafka fault rounds of the
 * attack and fault campaign (issue 19) against the built CLI, on loopback only, and prints
 * a table of what each round tried, what survived and what was lost; the table also goes
 * into docs/reliability.md between its markers. Exits 1 if anything was lost or duplicated,
 * a poison message was accepted or stalled others, or a round could not run.
 *
 * Knobs (environment):
 *   CHAOS_ROUNDS          which rounds: sqlite,postgres,broker,poison (default all)
 *   CHAOS_KILLS           SIGKILLs of the server per store (default 5)
 *   CHAOS_CONCURRENCY     cases in flight during the SIGKILL rounds (default 12)
 *   CHAOS_UP_MS           how long the server runs before each kill, ms "min,max" (default 1500,4000)
 *   CHAOS_BROKER_CASES    cases run across the broker kills (default 120)
 *   CHAOS_BROKER_KILLS    broker stops in a row (default 2), CHAOS_BROKER_GAP_MS apart (default 2000)
 *   CHAOS_POISON_STORE    postgres | sqlite (default postgres)
 *   CHAOS_POISON_WAIT_MS  how long a valid decision after a poison may take (default 15000)
 *   CHAOS_ROUND_MS        each round's deadline (default 240000)
 *   CHAOS_TOTAL_MS        the whole run's deadline (default 840000, 14 min)
 *   CHAOS_LOCK_WAIT_MS    how long to wait for the broker lock (default 240000)
 *   CHAOS_KAFKA_SH        the kafka.sh that started the broker (default infra/kafka/kafka.sh)
 *   CHAOS_WRITE_DOC=0     print the table only, leave docs/reliability.md alone
 *   KAFKA_BROKERS, ONEMATTER_TEST_PG_URL   as for the tests
 */
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { liveServers, ROOT } from '../support/server.js';
import { passed, pendingCleanups, problems, table, writeBetweenMarkers, type RoundResult } from './harness.js';
import { sigkillRound } from './sigkill.js';

const env = process.env;
const num = (name: string, fallback: number) => {
  const v = Number(env[name] ?? fallback);
  if (!Number.isFinite(v) || v < 0) throw new Error(`${name} must be a number, not "${env[name]}"`);
  return v;
};
const range = (name: string, fallback: [number, number]): [number, number] => {
  const parts = (env[name] ?? fallback.join(',')).split(',').map(Number);
  if (parts.length !== 2 || parts.some((n) => !Number.isFinite(n) || n < 0) || parts[0]! > parts[1]!) throw new Error(`${name} is "min,max" in ms, not "${env[name]}"`);
  return [parts[0]!, parts[1]!];
};

const ALL = ['sqlite', 'postgres', 'broker', 'poison'] as const;
const rounds = (env.CHAOS_ROUNDS ?? ALL.join(',')).split(',').map((s) => s.trim()).filter(Boolean);
const unknown = rounds.filter((r) => !(ALL as readonly string[]).includes(r));
if (unknown.length) {
  process.stderr.write(`chaos: unknown round ${unknown.join(', ')}; CHAOS_ROUNDS takes ${ALL.join(',')}\n`);
  process.exit(2);
}
// Loopback only: the suite kills processes and stops a broker; it must never aim at a shared host.
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);
const hosts = [
  ...(env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((b) => b.trim().replace(/:\d+$/, '')),
  new URL(env.ONEMATTER_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test').hostname,
].filter(Boolean);
const remote = hosts.filter((h) => !LOOPBACK.has(h));
if (remote.length) {
  process.stderr.write(`chaos: runs on loopback only; KAFKA_BROKERS / ONEMATTER_TEST_PG_URL name ${remote.join(', ')}\n`);
  process.exit(2);
}

const settings = {
  kills: num('CHAOS_KILLS', 5),
  concurrency: num('CHAOS_CONCURRENCY', 12),
  upMs: range('CHAOS_UP_MS', [1500, 4000]),
  brokerCases: num('CHAOS_BROKER_CASES', 120),
  brokerKills: num('CHAOS_BROKER_KILLS', 2),
  brokerGapMs: num('CHAOS_BROKER_GAP_MS', 2000),
  poisonStore: (env.CHAOS_POISON_STORE ?? 'postgres') as 'postgres' | 'sqlite',
  poisonWaitMs: num('CHAOS_POISON_WAIT_MS', 15_000),
  roundMs: num('CHAOS_ROUND_MS', 240_000),
  totalMs: num('CHAOS_TOTAL_MS', 840_000),
  lockWaitMs: num('CHAOS_LOCK_WAIT_MS', 240_000),
};

const log = (line: string) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
const results: RoundResult[] = [];
let restartBroker: () => void = () => {};

/** Ends every server this run started (and starts the broker if a round left it stopped). */
function cleanUp(): void {
  for (const child of liveServers) child.kill('SIGKILL');
  restartBroker();
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    process.stderr.write(`chaos: ${signal}: stopping, cleaning up\n`);
    cleanUp();
    // Data directories, schemas and topics of the round in progress; at most 15 s.
    const undo = Promise.allSettled([...pendingCleanups].map((f) => f()));
    void Promise.race([undo, new Promise((r) => setTimeout(r, 15_000))]).then(() => process.exit(130));
  });
}
process.once('exit', cleanUp);

const watchdog = setTimeout(() => {
  process.stderr.write(`chaos: the whole run passed its deadline (${settings.totalMs / 1000} s); the rounds so far:\n${table(results)}\n`);
  cleanUp();
  process.exit(1);
}, settings.totalMs);
watchdog.unref();

const t0 = Date.now();
log(`chaos: rounds ${rounds.join(', ')}; ${settings.kills} SIGKILLs per store, ${settings.concurrency} cases in flight; each round at most ${settings.roundMs / 1000} s`);

for (const name of rounds) {
  log(`== round: ${name}`);
  let r: RoundResult;
  if (name === 'sqlite' || name === 'postgres') {
    r = await sigkillRound({ store: name, kills: settings.kills, concurrency: settings.concurrency, upMs: settings.upMs, deadlineMs: settings.roundMs, log });
  } else {
    // Loaded only for the Kafka rounds: it connects to the broker (and, under CI, refuses to go on without one).
    const kafkaRounds = await import('./kafka.js').catch((error: Error) => error);
    if (kafkaRounds instanceof Error) {
      r = { round: name, unit: '', tried: 0, survived: 0, lost: 0, duplicated: 0, failures: [kafkaRounds.message.split('\n')[0]!], notes: [], seconds: 0, ran: false };
    } else {
      restartBroker = kafkaRounds.restartBrokerNow;
      r =
        name === 'broker'
          ? await kafkaRounds.brokerRound({ cases: settings.brokerCases, kills: settings.brokerKills, gapMs: settings.brokerGapMs, deadlineMs: settings.roundMs, lockWaitMs: settings.lockWaitMs, log })
          : await kafkaRounds.poisonRound({ store: settings.poisonStore, waitMs: settings.poisonWaitMs, deadlineMs: settings.roundMs, lockWaitMs: settings.lockWaitMs, log });
    }
  }
  results.push(r);
  log(`   ${!r.ran ? 'NOT RUN' : passed(r) ? 'passed' : 'FAILED'}: tried ${r.tried}, survived ${r.survived}, lost ${r.lost}, duplicated ${r.duplicated} (${Math.round(r.seconds)} s)`);
  for (const f of r.failures) log(`   - ${f}`);
}

const commit = (() => {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
})();
const ok = results.every(passed);
const block = [
  `Latest run: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, commit \`${commit}\`, ${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? 'unknown'}), Node ${process.version}, ` +
    `${Math.round((Date.now() - t0) / 1000)} s in all: **${ok ? 'everything survived' : 'FAILED'}**.`,
  `Settings: ${settings.kills} SIGKILLs per store, ${settings.concurrency} cases in flight, ${settings.upMs.join('–')} ms between kills; ` +
    `${settings.brokerCases} cases across ${settings.brokerKills} broker stops ${settings.brokerGapMs / 1000} s apart; poison round on ${settings.poisonStore === 'postgres' ? 'PostgreSQL' : 'SQLite'}.`,
  '',
  table(results),
  '',
  problems(results),
].join('\n');
process.stdout.write(`\n${block}\n`);
if (env.CHAOS_WRITE_DOC !== '0') {
  writeBetweenMarkers(join(ROOT, 'docs/reliability.md'), block);
  log('the table is in docs/reliability.md');
}
clearTimeout(watchdog);
process.exit(ok ? 0 : 1);
