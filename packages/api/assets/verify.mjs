#!/usr/bin/env node
// OneMatter 办件档案独立校验 — standalone verifier of an exported case dossier.
//
//   unzip dossier.zip -d dossier && node dossier/verify.mjs
//   node verify.mjs [folder]          (default: the folder this script is in)
//
// Needs nothing but Node.js (16 or later): no packages, no network, no OneMatter.
// It re-computes every event's SHA-256 hash from the event itself, in the canonical
// JSON form of RFC 8785 (JCS), and checks that each event links to the one before:
//
//   hash     = sha256_hex(JCS({ data, metadata, position, prevHash, recordedAt, streamId, type }))
//   prevHash = the previous event's hash; for position 0: sha256_hex("onematter:" + caseId)
//
// Then it checks the other files against dossier.json, the matter definition against
// the case, and, when the dossier has one, the inclusion proof of the case in a daily
// anchor (an RFC 6962 Merkle tree). Compare that anchor's root with the copy published
// elsewhere: a match proves the case's history up to that day is the one anchored.
// Exit code 0: everything checked out; 1: something did not (each problem is named).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = resolve(process.argv[2] ?? dirname(fileURLToPath(import.meta.url)));
const problems = [];
const notes = [];
const fail = (zh, en) => problems.push(`${zh} (${en})`);

/** RFC 8785: keys sorted by UTF-16 code units, no whitespace, ECMAScript number and string forms. */
function canonicalize(value) {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new Error('a number that is not finite');
      return String(value);
    case 'object': {
      if (Array.isArray(value)) return '[' + value.map((v) => (v === undefined ? 'null' : canonicalize(v))).join(',') + ']';
      const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort();
      return '{' + keys.map((k) => JSON.stringify(k) + ':' + canonicalize(value[k])).join(',') + '}';
    }
    default:
      throw new Error(`a ${typeof value} cannot be canonicalised`);
  }
}

const sha256 = (data) => createHash('sha256').update(data).digest('hex');
const read = (name) => readFileSync(join(dir, name));

function readJson(name) {
  if (!existsSync(join(dir, name))) {
    fail(`缺少文件 ${name}`, `${name} is missing`);
    return undefined;
  }
  try {
    return JSON.parse(read(name).toString('utf8'));
  } catch (error) {
    fail(`${name} 不是有效的 JSON`, `${name} is not valid JSON: ${error.message}`);
    return undefined;
  }
}

// 1. The manifest: which case, and the SHA-256 of each file.
const dossier = readJson('dossier.json') ?? {};
const caseId = dossier.caseId;
if (typeof caseId !== 'string') fail('dossier.json 未写明办件编号', 'dossier.json names no caseId');
for (const [name, expected] of Object.entries(dossier.files ?? {})) {
  if (!existsSync(join(dir, name))) fail(`缺少文件 ${name}`, `${name} is missing`);
  else if (sha256(read(name)) !== expected) fail(`文件 ${name} 与清单中的哈希不符`, `${name} does not match its SHA-256 in dossier.json`);
}

// 2. The events: each hash re-computed, each link checked.
const events = [];
if (!existsSync(join(dir, 'events.jsonl'))) fail('缺少文件 events.jsonl', 'events.jsonl is missing');
else {
  const lines = read('events.jsonl').toString('utf8').split('\n').filter((l) => l.trim() !== '');
  lines.forEach((line, i) => {
    try {
      events.push(JSON.parse(line));
    } catch (error) {
      fail(`events.jsonl 第 ${i + 1} 行不是有效的 JSON`, `line ${i + 1} of events.jsonl is not valid JSON: ${error.message}`);
    }
  });
}
let prev = typeof caseId === 'string' ? sha256(`onematter:${caseId}`) : undefined;
let broken = false;
events.forEach((e, i) => {
  if (broken) return;
  const at = `位置 ${i}`;
  if (e.streamId !== caseId) return fail(`${at}：事件不属于办件 ${caseId}`, `position ${i}: the event belongs to ${e.streamId}, not ${caseId}`), (broken = true);
  if (e.position !== i) return fail(`${at}：位置应为 ${i}，实为 ${e.position}（事件缺失或顺序被改动）`, `expected position ${i}, found ${e.position}: an event is missing or out of order`), (broken = true);
  if (e.prevHash !== prev) return fail(`${at}：prevHash 与上一事件的哈希不符（事件被删除、替换或调换）`, `position ${i}: prevHash is not the previous event's hash`), (broken = true);
  const text = canonicalize({ data: e.data, metadata: e.metadata, position: e.position, prevHash: e.prevHash, recordedAt: e.recordedAt, streamId: e.streamId, type: e.type });
  if (sha256(Buffer.from(text, 'utf8')) !== e.hash) return fail(`${at}：事件内容与其哈希不符（内容被改动）`, `position ${i}: the event's content does not match its hash`), (broken = true);
  prev = e.hash;
});
if (events.length === 0 && problems.length === 0) fail('档案中没有事件', 'the dossier holds no events');

// 3. The chain file agrees with the events.
const chain = readJson('chain.json');
if (chain && !broken) {
  const links = Array.isArray(chain.links) ? chain.links : [];
  if (links.length !== events.length) fail(`chain.json 列出 ${links.length} 个事件，events.jsonl 有 ${events.length} 个`, 'chain.json and events.jsonl differ in length');
  links.forEach((l, i) => {
    const e = events[i];
    if (e && (l.position !== e.position || l.hash !== e.hash || l.prevHash !== e.prevHash)) fail(`chain.json 第 ${i} 项与事件不符`, `chain.json entry ${i} differs from the event`);
  });
  const last = events[events.length - 1];
  if (last && (chain.head?.hash !== last.hash || chain.head?.position !== last.position)) fail('chain.json 的链头与最后一个事件不符', 'chain.json head is not the last event');
}

// 4. The matter definition is the version the case started with.
const matter = readJson('matter.json');
const started = events[0];
if (matter && started?.type === 'CaseStarted') {
  if (matter.id !== started.data?.matter || matter.version !== started.data?.matterVersion) {
    fail(`matter.json 是 ${matter.id} v${matter.version}，办件按 ${started.data?.matter} v${started.data?.matterVersion} 办理`, 'matter.json is not the version the case started with');
  }
}

// 5. The daily anchor: the case's head as of that day is a leaf of the anchored Merkle root.
if (existsSync(join(dir, 'anchor-proof.json'))) {
  const proof = readJson('anchor-proof.json');
  if (proof) {
    const leaf = proof.leaf ?? {};
    const e = events.find((x) => x.position === leaf.position);
    if (leaf.stream !== caseId || !e || e.hash !== leaf.hash) fail('锚点证明中的链头不在本档案的事件中', 'the anchored head is not among the events');
    const node = (l, r) => createHash('sha256').update(Buffer.from([1])).update(l).update(r).digest();
    let fn = proof.leafIndex;
    let sn = proof.treeSize - 1;
    let r = createHash('sha256').update(Buffer.from([0])).update(Buffer.from(canonicalize({ hash: leaf.hash, position: leaf.position, stream: leaf.stream }), 'utf8')).digest();
    let ok = Number.isInteger(fn) && fn >= 0 && fn < proof.treeSize;
    for (const p of proof.path ?? []) {
      if (!ok || sn === 0) {
        ok = false;
        break;
      }
      const sibling = Buffer.from(p, 'hex');
      if (fn % 2 === 1 || fn === sn) {
        r = node(sibling, r);
        if (fn % 2 === 0) while (fn % 2 === 0 && fn !== 0) (fn >>= 1), (sn >>= 1);
      } else r = node(r, sibling);
      fn >>= 1;
      sn >>= 1;
    }
    if (!ok || sn !== 0 || r.toString('hex') !== proof.root) fail(`锚点证明不成立：由链头推不出 ${proof.day} 的锚点根`, `the inclusion proof does not lead to the root of ${proof.day}`);
    else notes.push(`锚点 ${proof.day}：链头（位置 ${leaf.position}）包含于根 ${proof.root}，请与公布的根核对 (anchored in ${proof.day}'s root: compare it with the published one)`);
  }
} else {
  notes.push('档案不含锚点证明（导出时该办件尚未被每日锚点覆盖） (no anchor proof: the case was not anchored yet when exported)');
}

if (problems.length > 0) {
  console.log(`校验未通过 FAILED: ${caseId ?? '(unknown case)'}`);
  for (const p of problems) console.log(`  - ${p}`);
  process.exit(1);
}
console.log(`校验通过 OK: 办件 ${caseId}，${events.length} 个事件，哈希链完整 (hash chain intact)，链头 ${prev}`);
for (const n of notes) console.log(`  ${n}`);
