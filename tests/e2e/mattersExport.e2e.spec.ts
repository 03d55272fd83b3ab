/**
 * Issue 16: `onematter matters export <id> [--version N]` and `GET /api/v1/matters/{id}/file`
 * print a matter, built in or deployed, as a matter file: it validates, and deploying it
 * again records nothing, as it is the same definition (export → validate → deploy equals the
 * original).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, startServer, type ServerProcess } from '../support/server.js';

const FIXTURE = resolve(ROOT, 'tests/fixtures/matters/food-stall.yaml');

let dir: string;
let dataDir: string;
let server: ServerProcess;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'onematter-export-'));
  dataDir = join(dir, 'data');
  server = await startServer(['--data-dir', dataDir, '--store', 'sqlite']);
});
afterAll(async () => {
  await server?.kill();
  rmSync(dir, { recursive: true, force: true });
});

describe('a matter exported as a file', () => {
  it('exports a built-in matter with its rules; the file validates and deploys as the same definition', { timeout: 240_000 }, async () => {
    const exported = await runCli(['matters', 'export', 'resale-housing-transfer']);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toMatch(/^# 二手房转移登记及水电气网联动过户/);
    expect(exported.stdout).toMatch(/\nrules:\n/);
    const file = join(dir, 'resale.yaml');
    writeFileSync(file, exported.stdout);
    const valid = await runCli(['matters', 'validate', file]);
    expect(valid.code, valid.stdout + valid.stderr).toBe(0);
    const deployed = await runCli(['matters', 'deploy', file, '--data-dir', dataDir, '--by', '张三']);
    expect(deployed.code, deployed.stderr).toBe(0);
    expect(deployed.stdout).toMatch(/resale-housing-transfer v1 二手房转移登记及水电气网联动过户: unchanged/);

    const unknown = await runCli(['matters', 'export', 'resale-housing-transfer', '--version', '7']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/matter resale-housing-transfer has no version 7 \(versions: 1\)/);
  });

  it('exports a deployed matter from the store and from the server alike; deploying the export changes nothing', { timeout: 240_000 }, async () => {
    const deployed = await runCli(['matters', 'deploy', FIXTURE, '--data-dir', dataDir, '--by', '张三']);
    expect(deployed.stdout).toMatch(/deployed food-stall v1/);
    const exported = await runCli(['matters', 'export', 'food-stall', '--version', '1', '--data-dir', dataDir]);
    expect(exported.code, exported.stderr).toBe(0);
    const served = await fetch(`${server.url}/api/v1/matters/food-stall/file?version=1`);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toMatch(/^application\/yaml/);
    expect(await served.text()).toBe(exported.stdout);
    const file = join(dir, 'food-stall.yaml');
    writeFileSync(file, exported.stdout);
    const again = await runCli(['matters', 'deploy', file, '--data-dir', dataDir]);
    expect(again.stdout).toMatch(/food-stall v1 小餐饮经营一件事: unchanged/);
    expect((await fetch(`${server.url}/api/v1/matters/no-such-matter/file`)).status).toBe(404);
  });
});
