/**
 * An operator's supervisor (systemd, Kubernetes) restarts a server that fails to start,
 * but only if the process exits: a server that cannot start exits non-zero, soon, with
 * one clear line on stderr that says what to change.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT } from '../support/server.js';

let occupied: Server;
let port: number;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'onematter-start-'));
  occupied = createServer();
  await new Promise<void>((done) => occupied.listen(0, '127.0.0.1', done));
  port = (occupied.address() as { port: number }).port;
});

afterAll(async () => {
  await new Promise((done) => occupied.close(done));
  rmSync(dataDir, { recursive: true, force: true });
});

/** Runs the built CLI until it exits; a process still running after `boundMs` is killed and reported as such. */
function runUntilExit(args: string[], boundMs = 20_000): Promise<{ code: number | null; stderr: string; stillRunning: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ONEMATTER_NO_AUTH: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stillRunning = false;
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.resume();
    const bound = setTimeout(() => {
      stillRunning = true;
      child.kill('SIGKILL');
    }, boundMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(bound);
      resolve({ code, stderr, stillRunning });
    });
  });
}

describe('a server that cannot start', () => {
  for (const command of ['serve', 'demo']) {
    it(`exits non-zero with one line naming the address when the port is taken (${command})`, async () => {
      const r = await runUntilExit([command, '--port', String(port), '--host', '127.0.0.1', '--data-dir', join(dataDir, command), '--log-level', 'silent']);
      expect(r.stillRunning, 'the process was still running long after the failed start').toBe(false);
      expect(r.code).not.toBe(0);
      expect(r.code).not.toBeNull();
      const lines = r.stderr.trim().split('\n');
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toBe(`onematter: cannot listen on 127.0.0.1:${port}: address already in use (EADDRINUSE); choose another --port`);
    });
  }
});
