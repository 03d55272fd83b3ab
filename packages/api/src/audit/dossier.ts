import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { strToU8, zipSync } from 'fflate';
import {
  HeadSet,
  caseTimeline,
  genesisHash,
  merkleAuditPath,
  readAnchors,
  replayCase,
  verifyCase,
  type MatterCatalogue,
  type EventStore,
} from '@onematter/engine';
import { matterDetail } from '../routes/matters.js';
import { timelineLabels } from './labels.js';
import { renderReport } from './report.js';

/**
 * `onematter audit export <caseId>`: everything a third party needs to check a case
 * without trusting us, in one zip:
 *
 *   events.jsonl        every event of the case, one JSON object a line, in order
 *   matter.json         the matter definition version the case ran under (as GET /matters/:id)
 *   chain.json          the hash chain: genesis, each link, the head
 *   anchor-proof.json   (once anchored) the case's head as a leaf of a daily anchor, with its Merkle path
 *   report.html         the report in Chinese: timeline and a diagram of the steps
 *   verify.mjs          the standalone verifier (Node.js only); see docs/audit.md
 *   dossier.json        what this is, who exported it and why, and the SHA-256 of each file
 *   README.txt          how to verify, in Chinese and English
 */

export interface DossierRequest {
  store: EventStore;
  catalogue: MatterCatalogue;
  caseId: string;
  exportedBy: string;
  reason?: string;
  now: Date;
  /** Display names by identity (`user.wang` → 王芳), for the report's timeline. */
  people?: Record<string, string>;
}

export type Dossier = { ok: true; files: Record<string, Uint8Array>; zip: Uint8Array; events: number } | { ok: false; message: string };

/** The verifier shipped in every dossier (packages/api/assets/verify.mjs; the same path from src/ and dist/). */
export const verifyScript = (): string => readFileSync(new URL('../../assets/verify.mjs', import.meta.url), 'utf8');

const json = (v: unknown) => strToU8(JSON.stringify(v, null, 2) + '\n');
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

export async function buildDossier(r: DossierRequest): Promise<Dossier> {
  const events = await r.store.readStream(r.caseId);
  if (events.length === 0) return { ok: false, message: `case ${r.caseId} not found` };
  const replayed = replayCase(r.catalogue, events);
  if (!replayed.ok) return { ok: false, message: replayed.error.message };
  const state = replayed.value;
  const def = state.matter.definition;
  const verification = await verifyCase(r.store, r.caseId);

  const files: Record<string, Uint8Array> = {};
  files['events.jsonl'] = strToU8(
    events
      .map((e) =>
        JSON.stringify({
          streamId: e.streamId,
          position: e.position,
          type: e.type,
          data: e.data,
          metadata: e.metadata,
          recordedAt: e.recordedAt,
          prevHash: e.prevHash,
          hash: e.hash,
          globalPosition: e.globalPosition,
        }),
      )
      .join('\n') + '\n',
  );
  files['matter.json'] = json(matterDetail(def, r.catalogue.versions(def.id)));
  const head = events[events.length - 1]!;
  files['chain.json'] = json({
    caseId: r.caseId,
    algorithm: 'sha256_hex(JCS({data, metadata, position, prevHash, recordedAt, streamId, type})), RFC 8785 canonical JSON',
    genesis: genesisHash(r.caseId),
    genesisRule: 'sha256_hex("onematter:" + caseId)',
    head: { position: head.position, hash: head.hash },
    links: events.map((e) => ({ position: e.position, type: e.type, recordedAt: e.recordedAt, prevHash: e.prevHash, hash: e.hash })),
  });

  const proof = await anchorProof(r.store, r.caseId);
  if (proof) files['anchor-proof.json'] = json(proof);

  const timeline = caseTimeline(r.caseId, events, (m, v) => r.catalogue.get(m, v)?.definition.name, undefined, timelineLabels(r.catalogue, r.people));
  files['report.html'] = strToU8(
    renderReport({
      caseId: r.caseId,
      matter: { id: def.id, version: def.version, name: def.name },
      status: state.status,
      applicantName: state.applicant.name,
      applicantId: state.applicant.idNumber,
      createdAt: state.createdAt,
      ...(state.completedAt ? { completedAt: state.completedAt } : {}),
      steps: def.steps.map((s) => ({ id: s.id, department: s.department, service: s.service, dependsOn: s.dependsOn, status: state.tasks[s.id]?.status ?? 'waiting' })),
      timeline,
      events,
      verification,
      exportedAt: r.now.toISOString(),
      exportedBy: r.exportedBy,
      ...(r.reason ? { reason: r.reason } : {}),
      ...(proof ? { anchor: { day: proof.day, root: proof.root } } : {}),
    }),
  );
  files['verify.mjs'] = strToU8(verifyScript());
  files['README.txt'] = strToU8(readme(r.caseId));
  files['dossier.json'] = json({
    format: 'onematter-dossier/1',
    caseId: r.caseId,
    matter: def.id,
    matterVersion: def.version,
    events: events.length,
    head: { position: head.position, hash: head.hash },
    exportedAt: r.now.toISOString(),
    exportedBy: r.exportedBy,
    ...(r.reason ? { reason: r.reason } : {}),
    verifiedAtExport: verification.problem ? { intact: false, problem: verification.problem } : { intact: true, anchored: verification.anchored },
    files: Object.fromEntries(Object.entries(files).map(([name, bytes]) => [name, sha256(bytes)])),
  });
  const mtime = r.now;
  const zip = zipSync(Object.fromEntries(Object.entries(files).map(([name, bytes]) => [name, [bytes, { mtime }]])), { level: 6 });
  return { ok: true, files, zip, events: events.length };
}

/**
 * The case's head in the latest anchor that holds it, with the RFC 6962 audit path
 * from its leaf to the anchor's root; none when no anchor holds it yet, or when the
 * recorded anchors do not reproduce their own root (verify --all says why).
 */
async function anchorProof(store: EventStore, caseId: string) {
  const { anchors } = await readAnchors(store);
  const last = anchors[anchors.length - 1];
  if (!last) return undefined;
  // The latest anchor holds every stream any anchor recorded: fold their changes.
  const heads = new HeadSet();
  for (const a of anchors) for (const c of a.data.changed) heads.set(c.stream, c.position, c.hash);
  const h = heads.get(caseId);
  if (!h || heads.root() !== last.data.root) return undefined;
  const index = heads.streams().indexOf(caseId);
  return {
    day: last.data.day,
    cutoff: last.data.cutoff,
    root: last.data.root,
    algorithm: 'RFC 6962 Merkle tree hash, SHA-256; leaf = JCS({hash, position, stream}); leaves sorted by stream id',
    treeSize: heads.size,
    leafIndex: index,
    leaf: { stream: caseId, position: h.position, hash: h.hash },
    path: merkleAuditPath(heads.leaves(), index),
  };
}

const readme = (caseId: string) => `OneMatter 办件档案 / case dossier: ${caseId}

校验方法（只需 Node.js 16 或更高版本，无需联网，无需安装任何软件包）：
  1. 解压：unzip dossier.zip -d dossier
  2. 运行：node dossier/verify.mjs
  输出“校验通过 OK”且退出码为 0，即档案中的事件自记录以来未被改动、删除或调换；
  如含锚点证明（anchor-proof.json），请将其中的锚点根（root）与公布的每日锚点核对。

To verify (Node.js 16 or later, offline, no packages):
  1. unzip dossier.zip -d dossier
  2. node dossier/verify.mjs
  "OK" and exit code 0 mean no event was altered, deleted or reordered since it was
  recorded. With anchor-proof.json, compare its root with the published daily anchor.

Files: events.jsonl (the events), matter.json (the matter definition version), chain.json
(the hash chain), anchor-proof.json (daily anchor inclusion proof, once anchored),
report.html (report with timeline and step diagram), dossier.json (manifest).
`;
