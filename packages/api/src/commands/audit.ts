import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { CalendarBook, openStore, type Store, type StoreConfig } from '@onematter/adapters';
import {
  AccessLog,
  CaseSnapshots,
  caseTimeline,
  GLOBAL_LOG,
  isAnchorDay,
  recordDailyAnchor,
  replayFromStore,
  toCaseView,
  verifyCase,
  type ChainProblem,
  type EventStore,
  type Reader,
  type StoreVerification,
} from '@onematter/engine';
import { deployedOf, storeMatters } from '../matters/book.js';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { withCalendarNotes } from '../audit/calendarNotes.js';
import { buildDossier } from '../audit/dossier.js';
import { verifyAll } from '../audit/verifyAll.js';
import { caseListNames } from '../audit/witnesses.js';
import { timelineLabels } from '../audit/labels.js';
import { AuthDirectory } from '../auth/directory.js';
import type { CommandKit } from '../cli.js';
import { CheckFailed, UsageError, systemClock } from '../runtime.js';

/** The zone of the deployment: the engine counts every working day and limit in it (UTC+8, no DST). */
const DEPLOYMENT_TIME_ZONE = 'Asia/Shanghai';
const OFFSET = /(?:Z|[+-]\d{2}(?::?\d{2})?)$/i;

/**
 * An auditor's time as an instant: one with an offset is taken as given; a local time
 * (2026-11-20T10:00, or a date, read as its start) is read in Asia/Shanghai, not in
 * the zone of whatever host runs the command.
 */
export function deploymentTime(text: string): string {
  const bad = new UsageError(`--as-of ${text} is not an ISO 8601 time (e.g. 2026-11-20T10:00:00+08:00, or 2026-11-20T10:00 in ${DEPLOYMENT_TIME_ZONE})`);
  if (OFFSET.test(text) && /^\d{4}-\d{2}-\d{2}T/.test(text)) {
    if (Number.isNaN(Date.parse(text))) throw bad;
    return text;
  }
  const local = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?))?$/.exec(text);
  if (!local) throw bad;
  const time = local[2] ?? '00:00:00';
  const withOffset = `${local[1]}T${time.length === 5 ? `${time}:00` : time}+08:00`;
  const ms = Date.parse(withOffset);
  // Date.parse rolls 02-30 over to 03-02; a date that does not exist is refused instead.
  if (Number.isNaN(ms) || new Date(ms + 8 * 3_600_000).toISOString().slice(0, 10) !== local[1]) throw bad;
  return withOffset;
}

/** What to do about a case snapshot that does not match the events (they are a cache). */
const SNAPSHOT_REMEDY = 'drop the snapshots with `onematter projections rebuild --only case-snapshots` (the events are intact; replays then fold them all)';

/**
 * `onematter audit …`: the auditor's commands. They open the store the way `serve`
 * does (same flags) and change nothing in it, except that each read of a case is
 * recorded in the access log first (who: --actor, why: --reason), and `audit anchor`
 * records a daily anchor.
 */

interface StoreFlags {
  dataDir: string;
  store: 'sqlite' | 'memory' | 'postgres' | 'kurrentdb';
  pgUrl?: string;
  pgSchema?: string;
  kurrentdbUrl?: string;
}

interface ReaderFlags {
  actor?: string;
  reason?: string;
}

const nonNegative = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('a non-negative integer');
  return n;
};

function storeConfigOf(f: StoreFlags): StoreConfig {
  switch (f.store) {
    case 'sqlite': {
      const dataDir = resolve(f.dataDir);
      // An auditor's typo must not create an empty store that then "verifies clean".
      if (!existsSync(join(dataDir, 'onematter.db'))) throw new UsageError(`no SQLite store at ${join(dataDir, 'onematter.db')}; give the data directory with --data-dir`);
      return { kind: 'sqlite', dataDir };
    }
    case 'postgres':
      if (!f.pgUrl) throw new UsageError('--store postgres needs --pg-url (or ONEMATTER_PG_URL)');
      return { kind: 'postgres', url: f.pgUrl, ...(f.pgSchema ? { schema: f.pgSchema } : {}) };
    case 'memory':
      throw new UsageError('--store memory lives inside a server process; an audit command reads a durable store (sqlite or postgres)');
    case 'kurrentdb':
      if (!f.kurrentdbUrl) throw new UsageError('--store kurrentdb needs --kurrentdb-url (or ONEMATTER_KURRENTDB_URL)');
      return { kind: 'kurrentdb', url: f.kurrentdbUrl };
  }
}

const readerOf = (f: ReaderFlags): Reader => {
  const actor = f.actor?.trim() || `cli:${safeUser()}`;
  return f.reason?.trim() ? { actor, reason: f.reason.trim() } : { actor };
};

function safeUser(): string {
  try {
    return userInfo().username || 'unknown';
  } catch {
    return 'unknown';
  }
}

async function withStore<T>(f: StoreFlags, run: (store: Store, config: StoreConfig) => Promise<T>): Promise<T> {
  const config = storeConfigOf(f);
  const store = await openStore(config);
  try {
    return await run(store, config);
  } finally {
    await store.close();
  }
}

/** Records the read before anything is shown: no record, no read. */
const recordRead = (store: EventStore, reader: Reader, caseId: string, command: string) =>
  new AccessLog(store, systemClock).record({ ...reader, caseId, route: `cli: onematter audit ${command}` });

const out = (s: string) => process.stdout.write(s);

const describe = (p: ChainProblem) =>
  p.streamId === GLOBAL_LOG
    ? `the global order: first missing position ${p.position}: ${p.reason}`
    : `${p.streamId.startsWith('$') ? 'stream' : 'case'} ${p.streamId}: first bad position ${p.position}: ${p.reason}`;

/** A progress bar on a terminal (stderr), nothing otherwise. */
function progressBar(): { update(done: number, total: number): void; end(): void } {
  const tty = Boolean(process.stderr.isTTY);
  const started = performance.now();
  let last = 0;
  let shown = false;
  return {
    update(done, total) {
      if (!tty) return;
      const now = performance.now();
      if (now - last < 100 && done < total) return;
      last = now;
      shown = true;
      const share = total > 0 ? Math.min(1, done / total) : 1;
      const width = 30;
      const filled = Math.round(share * width);
      const rate = done / Math.max(0.001, (now - started) / 1000);
      process.stderr.write(`\r校验中 verifying [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(share * 100).toFixed(0).padStart(3)}%  ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} events  ${Math.round(rate).toLocaleString('en-US')} events/s `);
    },
    end() {
      if (tty && shown) process.stderr.write('\n');
    },
  };
}

function printStoreVerification(v: StoreVerification): void {
  const rate = Math.round(v.events / Math.max(v.seconds, 0.001));
  out(
    `audit verify --all: ${v.streams.toLocaleString('en-US')} streams (${v.cases.toLocaleString('en-US')} cases), ${v.events.toLocaleString('en-US')} events, ` +
      `${v.anchors} daily anchors (${v.anchorsMatched} match) in ${v.seconds.toFixed(2)} s (${rate.toLocaleString('en-US')} events/s)\n`,
  );
  if (v.latestAnchor) out(`latest anchor: ${v.latestAnchor.day} root ${v.latestAnchor.root}\n`);
  if (v.anchors === 0) {
    out(
      'note: no daily anchor yet: deleted cases and cut-off last events are found only through the store\'s own records (its stream index, gapless positions, the case list), ' +
        'which whoever can write the database can rewrite too; record an anchor with "onematter audit anchor"\n',
    );
  }
  if (v.problems.length === 0) {
    out('OK 校验通过: every hash chain is intact and every anchor matches.\n');
    return;
  }
  out(`FAILED 校验未通过: ${v.problems.length} broken ${v.problems.length === 1 ? 'stream' : 'streams'}:\n`);
  for (const p of v.problems) out(`  ${describe(p)}\n`);
}

export function registerAuditCommand(program: Command, kit: CommandKit): void {
  const audit = program.command('audit').description('审计: verify hash chains and anchors, replay a case, export a verifiable dossier');
  const withReader = (cmd: Command) =>
    cmd
      .addOption(new Option('--actor <name>', 'who reads, for the access log (default cli:<os user>)').env('ONEMATTER_ACTOR'))
      .addOption(new Option('--reason <text>', 'why, for the access log (审计事由)').env('ONEMATTER_AUDIT_REASON'));

  withReader(
    kit.storeOptions(
      audit
        .command('verify')
        .description('check a case (or --all) against its hash chain and the daily anchors; exit 1 naming each broken case and its first bad position')
        .argument('[caseId]', 'the case to verify')
        .option('--all', 'verify every stream in the store, and every daily anchor')
        .option('--json', 'print the result as JSON')
        .addOption(new Option('--workers <n>', 'worker threads for --all (default: by store size and CPUs)').argParser(nonNegative)),
    ),
  ).action(async (caseId: string | undefined, f: StoreFlags & ReaderFlags & { all?: boolean; json?: boolean; workers?: number }) => {
    if (Boolean(caseId) === Boolean(f.all)) throw new UsageError('give a case id, or --all (not both): onematter audit verify <caseId> | onematter audit verify --all');
    const reader = readerOf(f);
    await withStore(f, async (store, config) => {
      if (f.all) {
        await recordRead(store, reader, '*', 'verify --all');
        const bar = progressBar();
        const v = await verifyAll({ store, storeConfig: config, readModels: store.readModels, ...(f.workers !== undefined ? { workers: f.workers } : {}), onProgress: (d, t) => bar.update(d, t) });
        bar.end();
        if (f.json) out(JSON.stringify(v, null, 2) + '\n');
        else printStoreVerification(v);
        if (v.problems.length > 0) throw new CheckFailed(`${v.problems.length} broken: ${v.problems.map((p) => `${p.streamId}@${p.position}`).join(', ')}`);
        return;
      }
      await recordRead(store, reader, caseId!, 'verify');
      const v = await verifyCase(store, caseId!, { catalogue: (await storeMatters(store)).catalogue, snapshots: new CaseSnapshots(store.readModels), namedBy: await caseListNames(store.readModels, caseId!) });
      if (f.json) out(JSON.stringify(v, null, 2) + '\n');
      if (v.unknown) throw new CheckFailed(`case ${caseId} is not in the store, and no anchor names it`);
      if (!f.json) {
        for (const p of v.anchorProblems) out(`warning: ${describe(p)}\n`);
        if (v.problem) out(`FAILED 校验未通过: ${describe(v.problem)}\n`);
        else if (v.badSnapshots.length === 0) out(`OK 校验通过: case ${caseId}: ${v.events} events, hash chain intact${v.anchored > 0 ? `, matches ${v.anchored} daily ${v.anchored === 1 ? 'anchor' : 'anchors'}` : ', not anchored yet'}${v.snapshotsChecked > 0 ? `, ${v.snapshotsChecked} case ${v.snapshotsChecked === 1 ? 'snapshot matches' : 'snapshots match'} the events` : ''}\n`);
        for (const revision of v.badSnapshots) out(`FAILED 校验未通过: case ${caseId}: the case snapshot at position ${revision} does not match the events (replays from it would be wrong): ${SNAPSHOT_REMEDY}\n`);
      }
      if (v.problem) throw new CheckFailed(`case ${caseId}: first bad position ${v.problem.position}`);
      if (v.badSnapshots.length > 0) throw new CheckFailed(`case ${caseId}: case snapshots at ${v.badSnapshots.join(', ')} do not match the events`);
    });
  });

  withReader(
    kit.storeOptions(
      audit
        .command('replay')
        .description('print the state the engine had, as JSON (as GET /cases/:id): now, --as-of a moment, or at --position')
        .argument('<caseId>', 'the case')
        .option('--as-of <time>', 'an ISO 8601 time, e.g. 2026-11-20T10:00:00+08:00; without an offset it is read in Asia/Shanghai, the zone every time limit is counted in')
        .addOption(new Option('--position <n>', 'the position of the last event to fold in').argParser(nonNegative)),
    ),
  ).action(async (caseId: string, f: StoreFlags & ReaderFlags & { asOf?: string; position?: number }) => {
    if (f.asOf !== undefined && f.position !== undefined) throw new UsageError('give --as-of or --position, not both');
    const asOf = f.asOf === undefined ? undefined : deploymentTime(f.asOf);
    if (asOf !== undefined) process.stderr.write(`as of ${asOf}${asOf === f.asOf ? '' : ` (${f.asOf} read in ${DEPLOYMENT_TIME_ZONE})`}\n`);
    await withStore(f, async (store) => {
      await recordRead(store, readerOf(f), caseId, 'replay');
      const catalogue = (await storeMatters(store)).catalogue;
      const snapshots = new CaseSnapshots(store.readModels);
      const r = await replayFromStore({ store, catalogue, snapshots }, caseId, asOf !== undefined ? { asOf } : f.position !== undefined ? { position: f.position } : {});
      if (!r.ok) throw r.error.kind === 'Invalid' ? new UsageError(r.error.message) : new CheckFailed(r.error.message);
      const state = r.value.state;
      // Clocks read at that moment, against the calendar known then (a later import not applied).
      const now = f.asOf !== undefined ? new Date(f.asOf) : f.position !== undefined ? new Date(state.updatedAt) : systemClock.now();
      const book = new CalendarBook(store, { now: () => now });
      await book.refresh();
      out(JSON.stringify(toCaseView(state, { calendar: book.asOf(now), now }), null, 2) + '\n');
      const v = await verifyCase(store, caseId, { catalogue, snapshots });
      if (v.problem && v.problem.position <= state.revision) {
        process.stderr.write(`warning: the history replayed is not intact: ${describe(v.problem)}\n`);
        throw new CheckFailed('');
      }
      if (r.value.fromSnapshot !== null && v.badSnapshots.includes(r.value.fromSnapshot)) {
        process.stderr.write(`warning: the replay started from the case snapshot at position ${r.value.fromSnapshot}, which does not match the events: ${SNAPSHOT_REMEDY}\n`);
        throw new CheckFailed('');
      }
    });
  });

  withReader(
    kit.storeOptions(
      audit.command('timeline').description('print the case\'s timeline in Chinese: who did what, when, which clock ran').argument('<caseId>', 'the case'),
    ),
  ).action(async (caseId: string, f: StoreFlags & ReaderFlags) => {
    await withStore(f, async (store) => {
      await recordRead(store, readerOf(f), caseId, 'timeline');
      const events = await store.readStream(caseId);
      if (events.length === 0) throw new CheckFailed(`case ${caseId} not found`);
      const matters = await storeMatters(store);
      const catalogue = matters.catalogue;
      const book = new CalendarBook(store, { now: () => systemClock.now() });
      await book.refresh();
      const t = await withCalendarNotes({ store, catalogue, book }, caseId, caseTimeline(caseId, events, (m, v) => catalogue.get(m, v)?.definition.name, deployedOf(matters), timelineLabels(catalogue, await peopleOf(store))));
      for (const e of t.entries) out(`#${e.position} ${e.text}\n`);
    });
  });

  withReader(
    kit.storeOptions(
      audit
        .command('export')
        .description('write a dossier (zip) a third party can verify with nothing but Node: events, matter version, hash chain, report, verify.mjs')
        .argument('<caseId>', 'the case')
        .requiredOption('--out <file>', 'the zip to write, e.g. dossier.zip'),
    ),
  ).action(async (caseId: string, f: StoreFlags & ReaderFlags & { out: string }) => {
    const reader = readerOf(f);
    await withStore(f, async (store) => {
      await recordRead(store, reader, caseId, 'export');
      const d = await buildDossier({ store, catalogue: (await storeMatters(store)).catalogue, caseId, exportedBy: reader.actor, ...(reader.reason ? { reason: reader.reason } : {}), now: new Date(), people: await peopleOf(store) });
      if (!d.ok) throw new CheckFailed(d.message);
      const file = resolve(f.out);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, d.zip);
      out(`wrote ${file}: case ${caseId}, ${d.events} events, ${Object.keys(d.files).length} files (${Object.keys(d.files).join(', ')})\n`);
      out(`verify it anywhere with Node.js: unzip ${f.out} -d dossier && node dossier/verify.mjs\n`);
    });
  });

  kit
    .storeOptions(
      audit
        .command('anchor')
        .description('record the daily anchor (Merkle root over every case\'s head at the end of the day, UTC+8) and print its root for publication')
        .option('--day <YYYY-MM-DD>', 'the day to anchor (default: the last day that ended)'),
    )
    .action(async (f: StoreFlags & { day?: string }) => {
      if (f.day !== undefined && !isAnchorDay(f.day)) throw new UsageError(`--day ${f.day} is not a date YYYY-MM-DD`);
      await withStore(f, async (store) => {
        const r = await recordDailyAnchor(store, { now: new Date(), ...(f.day ? { day: f.day } : {}), actor: `cli:${safeUser()}` });
        switch (r.kind) {
          case 'recorded':
          case 'already-anchored':
            out(`${r.kind === 'recorded' ? 'recorded' : 'already anchored'}: ${r.anchor.day} root ${r.anchor.root} (${r.anchor.streams} streams, ${r.anchor.events} events, ${r.anchor.changed.length} heads changed)\n`);
            return;
          case 'too-early':
            throw new UsageError(`${r.day} has not ended yet (the latest day that can be anchored is ${r.latest})`);
          case 'behind':
            throw new UsageError(`${r.day} comes before the last anchored day ${r.last}: anchors only move forward`);
          case 'empty':
            out(`nothing to anchor: no event was recorded by the end of ${r.day}\n`);
            return;
          case 'inconsistent':
            for (const h of r.lost.slice(0, 50)) out(`  lost: ${h.stream} (anchored up to position ${h.position})\n`);
            throw new CheckFailed(`refusing to anchor ${r.day}: ${r.lost.length} streams lost events an earlier anchor recorded; run "onematter audit verify --all"`);
        }
      });
    });
}

/** Display names of the accounts and keys in the store (none when the directory cannot be read). */
const peopleOf = (store: Store): Promise<Record<string, string>> => new AuthDirectory(store, systemClock).people().catch(() => ({}));
