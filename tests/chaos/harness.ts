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

/** `onematter audit verify --all` on the store: undefined when it passes, else why not. */
export async function auditVerifyAll(storeFlags: string[], timeoutMs = 180_000): Promise<string | undefined> {
  const r = await cli(['audit', 'verify', '--all', ...storeFlags, '--actor', 'chaos', '--reason', 'fault suite'], timeoutMs);
  if (r.code === 0) return undefined;
  const said = `${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-8).join(' | ');
  return `audit verify --all exited ${r.code}: ${said}`;
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

/** The markdown table of a run: one row per round. */
export function table(results: readonly RoundResult[]): string {
  const rows = [
    '| round | tried | survived | lost | duplicated | result | notes |',
    '|---|--:|--:|--:|--:|---|---|',
    ...results.map((r) => {
      const result = !r.ran ? 'not run' : passed(r) ? 'passed' : 'FAILED';
      const notes = [...r.failures.map((f) => `**${f}**`), ...r.notes, `${Math.round(r.seconds)} s`].join('; ');
      return `| ${cell(r.round)} | ${r.tried} ${cell(r.unit)} | ${r.survived} | ${r.lost} | ${r.duplicated} | ${result} | ${cell(notes)} |`;
    }),
  ];
  return rows.join('\n');
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
