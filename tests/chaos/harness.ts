/**
 * What the fault rounds of `npm run chaos` share: the result of a round, deadlines,
 * HTTP with a timeout, the built CLI with a timeout, PostgreSQL schemas of their own,
 * and the table the run prints and writes into docs/reliability.md.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import pg from 'pg';
import { BIN, ROOT } from '../support/server.js';
import { randomBytes } from 'node:crypto';

/** What one round tried and what came through; `failures` name every problem found. */
export interface RoundResult {
  round: string;
  /** What "tried" counts in this round (acknowledged requests, cases, poison messages). */
  unit: string;
  tried: number;
  survived: number;
  lost: number;
  duplicated: number;
  failures: string[];
  notes: string[];
  seconds: number;
  /** `not run` when a service it needs is missing (the reason is in failures). */
  ran: boolean;
}

export const passed = (r: RoundResult): boolean =>
  r.ran && r.failures.length === 0 && r.lost === 0 && r.duplicated === 0 && r.survived === r.tried;

/**
 * What a round must undo if the run is interrupted (its data directory, its schema); the
 * round removes its entry when it cleaned up itself. The runner calls what is left.
 */
export const pendingCleanups = new Set<() => Promise<void> | void>();

/** Registers `undo` until the returned function is called, which runs it once. */
export function cleanupLater(undo: () => Promise<void> | void): () => Promise<void> {
  const once = async () => {
    if (!pendingCleanups.delete(once)) return;
    await undo();
  };
  pendingCleanups.add(once);
  return once;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export const randomIn = ([min, max]: readonly [number, number]) => min + Math.floor(Math.random() * (max - min + 1));

/** A round's clock: `left()` ms until its deadline; `expired` once past it. */
export class Deadline {
  readonly end: number;
  constructor(readonly ms: number) {
    this.end = Date.now() + ms;
  }
  left(): number {
    return Math.max(0, this.end - Date.now());
  }
  get expired(): boolean {
    return Date.now() >= this.end;
  }
}

export class DeadlinePassed extends Error {
  override name = 'DeadlinePassed';
}

/** Polls `check` until it returns a value, or throws DeadlinePassed after `ms` (or at the round's deadline). */
export async function within<T>(ms: number, deadline: Deadline, what: string, check: () => Promise<T | undefined>, everyMs = 100): Promise<T> {
  const end = Math.min(Date.now() + ms, deadline.end);
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() >= end) throw new DeadlinePassed(`gave up waiting for ${what} after ${Math.round(ms / 1000)} s`);
    await sleep(everyMs);
  }
}

/**
 * Polls which of `ids` are not done yet until none is left, `maxMs` pass, or `idleMs` pass
 * without one more getting done (or the round's deadline comes); returns those still open.
 */
export async function untilAllDone(
  ids: readonly string[],
  done: (id: string) => Promise<boolean>,
  o: { maxMs: number; idleMs: number; everyMs: number; deadline: Deadline },
): Promise<string[]> {
  const end = Math.min(Date.now() + o.maxMs, o.deadline.end);
  let open = [...ids];
  let progressAt = Date.now();
  for (;;) {
    const still: string[] = [];
    for (const id of open) if (!(await done(id))) still.push(id);
    if (still.length < open.length) progressAt = Date.now();
    open = still;
    if (open.length === 0 || Date.now() >= end || Date.now() - progressAt >= o.idleMs) return open;
    await sleep(o.everyMs);
  }
}

export interface Reply<T = unknown> {
  status: number;
  body: T;
}

/** One HTTP request on loopback; throws on a network error (a killed server) or after `timeoutMs`. */
export async function request<T = unknown>(
  url: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<Reply<T>> {
  const r = await fetch(url, {
    method: init.method ?? 'GET',
    headers: { ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...(init.headers ?? {}) },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    signal: AbortSignal.timeout(init.timeoutMs ?? 15_000),
  });
  const text = await r.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON (a proxy's page, a crash): keep the text.
  }
  return { status: r.status, body: body as T };
}

/** Runs the built CLI to completion (killed after `timeoutMs`): its exit code and output. */
export function cli(args: string[], timeoutMs = 120_000, env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: ROOT, env: { ...process.env, ...env }, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 * 2 ** 20 },
      (error, stdout, stderr) => {
        const e = error as (Error & { code?: number | string; killed?: boolean }) | null;
        const code = e ? (typeof e.code === 'number' ? e.code : e.killed ? 124 : 1) : 0;
        resolve({ code, stdout, stderr: e?.killed ? `${stderr}\n(killed after ${timeoutMs} ms)` : stderr });
      },
    );
  });
}

/** Creates an access key with `onematter keys create` (the key is on the last line). */
export async function createKey(storeFlags: string[], role: string, name: string, department?: string): Promise<string> {
  const r = await cli(['keys', 'create', ...storeFlags, '--role', role, '--name', name, ...(department ? ['--department', department] : [])], 60_000);
  if (r.code !== 0) throw new Error(`onematter keys create failed (${r.code}): ${r.stderr}`);
  return r.stdout.trim().split('\n').pop()!;
}

/** Runs `onematter audit verify --all` on the store (with the server stopped) and records in the round whether it passed. */
export async function auditVerifyAll(r: RoundResult, storeFlags: string[], deadline: Deadline): Promise<void> {
  const timeoutMs = Math.max(30_000, Math.min(180_000, deadline.left()));
  const run = await cli(['audit', 'verify', '--all', ...storeFlags, '--actor', 'chaos', '--reason', 'fault suite'], timeoutMs);
  if (run.code === 0) {
    r.notes.push('audit verify --all passed');
    return;
  }
  const said = `${run.stdout}\n${run.stderr}`.trim().split('\n').slice(-8).join(' | ');
  r.failures.push(`audit verify --all exited ${run.code}: ${said}`);
}

/** Records why a round stopped before its end. */
export function brokeOff(r: RoundResult, error: unknown): void {
  r.failures.push(error instanceof DeadlinePassed ? `deadline: ${error.message}` : `the round broke off: ${(error as Error).message.split('\n')[0]}`);
}

// ------------------------------------------------------------------ PostgreSQL

export const PG_URL = process.env.ONEMATTER_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A schema name of its own for one round (dropped with dropSchema). */
export const freshSchema = (tag: string) => `chaos_${tag}_${randomBytes(4).toString('hex')}`;

export async function dropSchema(url: string, schema: string): Promise<void> {
  const admin = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await admin.connect();
  try {
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await admin.end().catch(() => {});
  }
}

// ------------------------------------------------------------------ the table

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The markdown table of a run: one row per round (its problems are listed by `problems`). */
export function table(results: readonly RoundResult[]): string {
  const rows = [
    '| round | tried | survived | lost | duplicated | result | notes |',
    '|---|--:|--:|--:|--:|---|---|',
    ...results.map((r) => {
      const result = !r.ran ? 'not run' : passed(r) ? 'passed' : `**FAILED** (${r.failures.length} ${r.failures.length === 1 ? 'problem' : 'problems'} below)`;
      const notes = [...r.notes, `${Math.round(r.seconds)} s`].join('; ');
      return `| ${cell(r.round)} | ${r.tried} ${cell(r.unit)} | ${r.survived} | ${r.lost} | ${r.duplicated} | ${result} | ${cell(notes)} |`;
    }),
  ];
  return rows.join('\n');
}

/** Every problem a round found, as a markdown list under the round's name; empty when there are none. */
export function problems(results: readonly RoundResult[]): string {
  return results
    .filter((r) => r.failures.length > 0)
    .map((r) => [`${r.ran ? 'Problems' : 'Not run'}: ${r.round}`, ...r.failures.map((f) => `- ${f}`)].join('\n'))
    .join('\n\n');
}

export const BEGIN = '<!-- chaos:begin (written by `npm run chaos`; edit outside the markers) -->';
export const END = '<!-- chaos:end -->';

/** Puts `block` between the markers of `file`, keeping everything else; appends the markers if the file has none. */
export function writeBetweenMarkers(file: string, block: string): void {
  const text = readFileSync(file, 'utf8');
  const b = text.indexOf(BEGIN);
  const e = text.indexOf(END);
  const inner = `${BEGIN}\n${block.trim()}\n${END}`;
  const next = b >= 0 && e > b ? text.slice(0, b) + inner + text.slice(e + END.length) : `${text.trimEnd()}\n\n${inner}\n`;
  writeFileSync(file, next);
}
