import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const BIN = resolve(ROOT, 'bin/onematter.js');

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Every server process started here that has not exited yet (a harness kills them if it has to stop early). */
export const liveServers = new Set<ChildProcess>();

/**
 * Starts `onematter serve` (or `demo`; the built CLI, as a user runs it) on a free port and waits for its URL.
 * Auth is off (ONEMATTER_NO_AUTH=1) unless `env` sets ONEMATTER_NO_AUTH itself.
 */
export async function startServer(args: string[], env: Record<string, string> = {}, timeoutMs = 20_000, command: 'serve' | 'demo' = 'serve'): Promise<ServerProcess> {
  const child = spawn(process.execPath, [BIN, command, '--port', '0', '--log-level', 'warn', ...args], {
    cwd: ROOT,
    env: { ...process.env, ONEMATTER_NO_AUTH: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  liveServers.add(child);
  child.once('exit', () => liveServers.delete(child));
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const url = await new Promise<string>((resolveUrl, reject) => {
    const t = setTimeout(() => {
      // A server that neither serves nor exits would outlive the test: end it.
      child.kill('SIGKILL');
      reject(new Error(`server did not start in time:\n${out}`));
    }, timeoutMs);
    const check = () => {
      const m = /Workbench[^:]*: (http:\/\/[^/\s]+)\//.exec(out);
      if (m) {
        clearTimeout(t);
        resolveUrl(m[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.on('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`server exited with ${code}:\n${out}`));
    });
  });
  return {
    url,
    child,
    output: () => out,
    kill: (signal = 'SIGTERM') =>
      new Promise<void>((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once('exit', () => done());
        child.kill(signal);
      }),
  };
}

export async function http<T = unknown>(url: string, init?: { method?: string; body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; body: T }> {
  const r = await fetch(url, {
    method: init?.method ?? 'GET',
    headers: { ...(init?.body !== undefined ? { 'content-type': 'application/json' } : {}), ...(init?.headers ?? {}) },
    ...(init?.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  const text = await r.text();
  return { status: r.status, body: (text ? JSON.parse(text) : undefined) as T };
}

/** Runs the built CLI to completion, as a user would, and returns its exit code and output. */
export async function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const { execFile } = await import('node:child_process');
  const { promisify } = await import('node:util');
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}
