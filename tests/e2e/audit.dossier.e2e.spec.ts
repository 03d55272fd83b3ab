/**
 * `onematter audit export` writes a dossier a third party checks with nothing but
 * Node: unzip, `node verify.mjs`. It passes as exported, and fails once one byte of
 * events.jsonl is changed.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteEventStore } from '../../packages/adapters/src/stores/index.js';
import { SEEDED, cli, seedAuditStore } from '../support/audit.js';

let root: string;
let dataDir: string;
let zip: string;

/** Unzips into a fresh folder, as the third party would. */
function unzipTo(name: string): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, bytes] of Object.entries(unzipSync(readFileSync(zip)))) writeFileSync(join(dir, file), bytes);
  return dir;
}

/** `node verify.mjs` in a bare environment: no NODE_PATH, no OneMatter. */
const verify = (dir: string) =>
  new Promise<{ code: number | null; out: string }>((resolve) => {
    const child = spawn(process.execPath, ['verify.mjs'], { cwd: dir, env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => resolve({ code, out }));
  });

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'onematter-dossier-'));
  dataDir = join(root, 'data');
  mkdirSync(dataDir);
  const store = new SqliteEventStore({ file: join(dataDir, 'onematter.db') });
  await store.init();
  await seedAuditStore(store);
  await store.close();
  zip = join(root, 'out', 'dossier.zip');
  const r = await cli(['audit', 'export', SEEDED.a, '--out', zip, '--data-dir', dataDir, '--actor', 'auditor-zhao', '--reason', '移交纪检']);
  expect(r.code, r.stdout + r.stderr).toBe(0);
  expect(r.stdout).toContain('node dossier/verify.mjs');
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('a third party checks an exported dossier with nothing but Node', () => {
  it('holds the events, the matter version, the chain, an anchor proof, a Chinese report and the verifier', () => {
    const dir = unzipTo('contents');
    const files = Object.keys(unzipSync(readFileSync(zip))).sort();
    expect(files).toEqual(['README.txt', 'anchor-proof.json', 'chain.json', 'dossier.json', 'events.jsonl', 'matter.json', 'report.html', 'verify.mjs']);
    const events = readFileSync(join(dir, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(events).toHaveLength(17);
    expect(JSON.parse(readFileSync(join(dir, 'matter.json'), 'utf8'))).toMatchObject({ id: 'enterprise-setup', version: 1 });
    expect(JSON.parse(readFileSync(join(dir, 'dossier.json'), 'utf8'))).toMatchObject({ caseId: SEEDED.a, exportedBy: 'auditor-zhao', reason: '移交纪检', verifiedAtExport: { intact: true } });
    expect(JSON.parse(readFileSync(join(dir, 'anchor-proof.json'), 'utf8'))).toMatchObject({ day: SEEDED.day, leaf: { stream: SEEDED.a, position: 16 } });
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    for (const text of ['办件审计报告', '办理流程图', '时间线', '并联办理（6 个部门）', '市场监督管理局', '<svg']) expect(html).toContain(text);
    // Every event in Chinese, with the outputs under their titles: no type names, no raw fields.
    for (const text of ['部门决定', '任务派发', '营业执照编号', '纳税人识别号']) expect(html).toContain(text);
    expect(html).not.toMatch(/<td>(CaseStarted|DecisionRecorded|TaskDispatched)<\/td>|licenceNumber|taxpayerId=|=\{/);
    // Self-contained: no script, nothing fetched from elsewhere.
    expect(html).not.toMatch(/<script|src=|href=/i);
    // The applicant's identity number is masked in the report.
    expect(html).not.toContain('11010519491231002X');
  });

  it('verifies as exported: every hash recomputed, every link and the anchor proof checked (exit 0)', async () => {
    const r = await verify(unzipTo('intact'));
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain(`校验通过 OK: 办件 ${SEEDED.a}，17 个事件`);
    expect(r.out).toContain(`锚点 ${SEEDED.day}`);
  });

  it('fails once one byte of events.jsonl is changed, naming the position (exit 1)', async () => {
    const dir = unzipTo('tampered');
    const file = join(dir, 'events.jsonl');
    const bytes = readFileSync(file);
    const lines = bytes.toString('utf8').split('\n');
    // One byte inside the data of the event at position 10: 'approved' -> 'approveD'.
    lines[10] = lines[10]!.replace('"approved"', '"approveD"');
    writeFileSync(file, lines.join('\n'));
    expect(readFileSync(file).length).toBe(bytes.length);
    const r = await verify(dir);
    expect(r.code).toBe(1);
    expect(r.out).toContain('校验未通过 FAILED');
    expect(r.out).toContain('position 10: the event\'s content does not match its hash');
    expect(r.out).toContain('events.jsonl does not match its SHA-256');
  });

  it('fails when an event is taken out of events.jsonl, and the manifest cannot hide it', async () => {
    const dir = unzipTo('shortened');
    const file = join(dir, 'events.jsonl');
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    writeFileSync(file, [...lines.slice(0, 4), ...lines.slice(5)].join('\n') + '\n');
    const r = await verify(dir);
    expect(r.code).toBe(1);
    expect(r.out).toContain('expected position 4, found 5');
  });
});
