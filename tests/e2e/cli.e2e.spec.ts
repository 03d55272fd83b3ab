import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT, runCli } from '../support/server.js';

const run = (args: string[]) => runCli(args);

describe('the onematter command', () => {
  it('lists the catalogue with departments and limits', async () => {
    const r = await run(['matters']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/enterprise-setup v1\s+企业开办\s+法定 无法定时限 \/ 承诺 3 个工作日/);
    expect(r.stdout).toMatch(/tax\s+税务局/);
  });

  it('prints the catalogue as JSON for scripts', async () => {
    const r = await run(['matters', '--json']);
    expect(JSON.parse(r.stdout).map((m: { id: string }) => m.id)).toContain('utility-connection');
  });

  it('exits 2 with a message on bad usage', async () => {
    const unknown = await run(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command/);
    const badStore = await run(['serve', '--store', 'oracle']);
    expect(badStore.code).toBe(2);
    expect(badStore.stderr).toMatch(/Allowed choices are sqlite, memory, postgres, kurrentdb/);
    const badPort = await run(['serve', '--port', 'eighty']);
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toMatch(/port/);
    const noPg = await run(['serve', '--store', 'postgres']);
    expect(noPg.code).toBe(2);
    expect(noPg.stderr).toMatch(/--pg-url/);
  });

  it('exits 2 when --commitments promises beyond the law or names an unknown matter, naming each', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'onematter-commitments-'));
    const file = join(dir, 'luyi.json');
    writeFileSync(file, JSON.stringify({ 'enterprise-setup': { committedDays: 1, steps: { samr: 4 } }, 'no-such-matter': { committedDays: 1 } }));
    const bad = await run(['serve', '--store', 'memory', '--commitments', file]);
    rmSync(dir, { recursive: true, force: true });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/enterprise-setup\.steps\.0\.committedDays: step samr: committed limit 4 exceeds statutory 3/);
    expect(bad.stderr).toMatch(/no-such-matter: unknown matter/);
  });

  it('exits 2 when --trust-proxy names no proxy it can believe', async () => {
    const badProxy = await run(['serve', '--trust-proxy', 'everyone']);
    expect(badProxy.code).toBe(2);
    expect(badProxy.stderr).toMatch(/--trust-proxy "everyone": give the proxies' addresses/);
  });

  it('stops printing quietly when the reader goes away (`onematter matters | head -1`), keeping its exit code', async () => {
    const child = spawn(process.execPath, [BIN, 'matters'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    // The reader closes its end before the command prints: every write meets a closed pipe (EPIPE).
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
