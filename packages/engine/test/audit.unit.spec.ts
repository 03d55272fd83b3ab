import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ANCHOR_STREAM } from '../src/audit/streams.js';
import { HeadSet, anchorCutoff, anchorLeafHash, buildAnchor, latestAnchorableDay } from '../src/audit/anchors.js';
import { canonicalize } from '../src/audit/canonical.js';
import { eventHash, genesisHash } from '../src/audit/hashChain.js';
import { merkleAuditPath, merkleLeafHash, merkleRoot, rootFromPath } from '../src/audit/merkle.js';
import { RangeVerifier, checkAnchors, stitch, type VerifiableEvent } from '../src/audit/verifier.js';

/** RFC 6962 §2.1 as written: the recursive definition, for comparison. */
function referenceRoot(leaves: Buffer[]): string {
  const mth = (d: Buffer[]): Buffer => {
    if (d.length === 1) return d[0]!;
    let k = 1;
    while (k * 2 < d.length) k *= 2;
    return createHash('sha256').update(Buffer.from([1])).update(mth(d.slice(0, k))).update(mth(d.slice(k))).digest();
  };
  return leaves.length === 0 ? createHash('sha256').digest('hex') : mth(leaves).toString('hex');
}

/** A hash-chained stream of `n` events, recorded a minute apart from `start`. */
function chain(streamId: string, n: number, start = '2026-03-02T01:00:00.000Z', gapMs = 60_000): VerifiableEvent[] {
  let prevHash = genesisHash(streamId);
  return Array.from({ length: n }, (_, position) => {
    const recordedAt = new Date(Date.parse(start) + position * gapMs).toISOString();
    const e = { streamId, position, type: 'Noted', data: { n: position, note: '备注' }, metadata: { v: 1 }, recordedAt, prevHash, hash: '' };
    e.hash = eventHash(e);
    prevHash = e.hash;
    return e;
  });
}

describe('the hash chain an auditor relies on', () => {
  it('hashes the canonical envelope: the fast path gives the same hash as canonicalising the whole event', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), fc.string(), fc.nat(), (data, metadata, type, position) => {
        const e = { streamId: 'case-1', position, type, data, metadata, recordedAt: '2026-03-02T01:00:00.000Z', prevHash: 'p' };
        const generic = createHash('sha256').update(canonicalize({ ...e }), 'utf8').digest('hex');
        expect(eventHash(e)).toBe(generic);
      }),
    );
  });
});

describe('Merkle roots of the daily anchors (RFC 6962)', () => {
  it('matches the tree hash of RFC 6962 for every size, and the Certificate Transparency test vectors', () => {
    for (let n = 0; n <= 33; n++) {
      const leaves = Array.from({ length: n }, (_, i) => merkleLeafHash(`leaf ${i}`));
      expect(merkleRoot(leaves)).toBe(referenceRoot(leaves));
    }
    const inputs = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map((h) => merkleLeafHash(Buffer.from(h, 'hex')));
    expect(merkleRoot(inputs)).toBe('5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328');
    expect(merkleRoot(inputs.slice(0, 1))).toBe('6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d');
  });

  it('proves each leaf\'s inclusion with its audit path, and no other leaf\'s', () => {
    for (let n = 1; n <= 20; n++) {
      const leaves = Array.from({ length: n }, (_, i) => merkleLeafHash(`leaf ${i}`));
      const root = merkleRoot(leaves);
      for (let i = 0; i < n; i++) {
        const path = merkleAuditPath(leaves, i);
        expect(rootFromPath(leaves[i]!, i, n, path)).toBe(root);
        if (n > 1) expect(rootFromPath(merkleLeafHash('forged'), i, n, path)).not.toBe(root);
      }
    }
  });

  it('anchors a day at its end in Beijing time, only after the grace period', () => {
    expect(anchorCutoff('2026-03-02')).toBe('2026-03-02T16:00:00.000Z');
    expect(latestAnchorableDay(new Date('2026-03-03T00:04:00+08:00'))).toBe('2026-03-01');
    expect(latestAnchorableDay(new Date('2026-03-03T00:06:00+08:00'))).toBe('2026-03-02');
  });

  it('refuses to anchor over a store that lost a head an earlier anchor recorded', () => {
    const previous = new HeadSet();
    previous.set('case-1', 3, 'h3');
    previous.set('case-2', 1, 'h1');
    const r = buildAnchor('2026-03-03', [{ streamId: 'case-1', position: 4, hash: 'h4' }], previous, '2026-03-02', '2026-03-04T00:00:00.000Z');
    expect(r).toEqual({ ok: false, lost: [{ stream: 'case-2', position: 1, hash: 'h1' }] });
  });
});

describe('verifying streams in ranges, stitched together', () => {
  it('gives the same verdict whatever the ranges, and names the first bad position of each stream', () => {
    const a = chain('case-a', 8);
    const b = chain('case-b', 5);
    b[3] = { ...b[3]!, data: { n: 3, note: '篡改' } };
    const all = [...a.slice(0, 3), ...b.slice(0, 2), ...a.slice(3), ...b.slice(2)];
    for (const cut of [0, 1, 4, 7, all.length]) {
      const ranges = [all.slice(0, cut), all.slice(cut)].map((part) => {
        const v = new RangeVerifier();
        for (const e of part) v.add(e);
        return v.summary();
      });
      const s = stitch(ranges);
      expect([...s.problems.values()]).toEqual([{ streamId: 'case-b', position: 3, reason: expect.stringMatching(/altered/) }]);
      expect(s.events).toBe(13);
    }
  });

  it('finds a deleted case through the anchor that recorded it, and keeps an old anchor valid after later appends', () => {
    // case-a: four events on 2026-03-02 (Beijing), two more on 03-03; case-b: two on 03-02.
    const a6 = chain('case-a', 6, '2026-03-02T06:00:00.000Z', 3 * 3_600_000);
    const a = a6.slice(0, 4);
    const b = chain('case-b', 2);
    // The anchor of 2026-03-02 over both cases' heads.
    const set = new HeadSet();
    const built = buildAnchor('2026-03-02', [a, b].map((s) => ({ streamId: s[s.length - 1]!.streamId, position: s[s.length - 1]!.position, hash: s[s.length - 1]!.hash })), set, null, '2026-03-03T00:00:00.000Z');
    if (!built.ok) throw new Error('anchor refused');
    const anchors = [{ position: 0, data: built.data }];
    const cutoffs = [anchorCutoff('2026-03-02')];
    const scan = (events: VerifiableEvent[]) => {
      const v = new RangeVerifier(cutoffs);
      for (const e of events) v.add(e);
      return stitch([v.summary()], 1);
    };
    // Untouched, plus later appends to case-a the next day: the anchor still matches.
    expect(a6[3]!.recordedAt < cutoffs[0]! && a6[4]!.recordedAt > cutoffs[0]!).toBe(true);
    const clean = checkAnchors(anchors, scan([...a6, ...b]).buckets);
    expect(clean).toEqual({ problems: [], matched: 1 });
    // case-b deleted.
    const gone = checkAnchors(anchors, scan(a).buckets);
    expect(gone.problems).toEqual([{ streamId: 'case-b', position: 0, reason: expect.stringMatching(/^deleted: the anchor of 2026-03-02 recorded its head at position 1/) }]);
    expect(gone.matched).toBe(0);
    // The anchor stream is never a leaf of its own anchors.
    expect(anchorLeafHash({ stream: ANCHOR_STREAM, position: 0, hash: 'x' })).toBeInstanceOf(Buffer);
  });
});
