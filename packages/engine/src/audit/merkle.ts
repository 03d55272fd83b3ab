import { createHash } from 'node:crypto';

/**
 * The Merkle Tree Hash of RFC 6962 (Certificate Transparency), §2.1, with SHA-256:
 *
 *   MTH({})      = SHA-256()
 *   leaf(d)      = SHA-256(0x00 || d)
 *   node(l, r)   = SHA-256(0x01 || l || r)
 *   MTH(D[n])    = node(MTH(D[0:k]), MTH(D[k:n])), k the largest power of two below n
 *
 * Chosen because it is a published standard a third party can re-implement, and
 * the 0x00/0x01 prefixes keep a leaf from passing for a node. Computed bottom-up:
 * pairing neighbours level by level and carrying an unpaired last node up as it is
 * gives the same tree as the recursive split.
 */

const LEAF = Buffer.from([0]);
const NODE = Buffer.from([1]);

export const merkleLeafHash = (data: string | Uint8Array): Buffer =>
  createHash('sha256').update(LEAF).update(typeof data === 'string' ? Buffer.from(data, 'utf8') : data).digest();

const nodeHash = (left: Uint8Array, right: Uint8Array): Buffer =>
  createHash('sha256').update(NODE).update(left).update(right).digest();

/** The tree hash over leaf hashes already computed with {@link merkleLeafHash}, as hex. */
export function merkleRoot(leafHashes: readonly Uint8Array[]): string {
  if (leafHashes.length === 0) return createHash('sha256').digest('hex');
  let level: Uint8Array[] = [...leafHashes];
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(nodeHash(level[i]!, level[i + 1]!));
    if (level.length % 2 === 1) next.push(level[level.length - 1]!);
    level = next;
  }
  return Buffer.from(level[0]!).toString('hex');
}

/**
 * The audit path of RFC 6962 §2.1.1 for leaf `index`: the sibling hashes from the
 * leaf up, which with the leaf hash reproduce the root (see {@link rootFromPath}).
 */
export function merkleAuditPath(leafHashes: readonly Uint8Array[], index: number): string[] {
  if (!Number.isInteger(index) || index < 0 || index >= leafHashes.length) throw new RangeError(`no leaf ${index}`);
  const path: string[] = [];
  const walk = (from: number, to: number, target: number): Uint8Array => {
    const n = to - from;
    if (n === 1) return leafHashes[from]!;
    const k = largestPowerOfTwoBelow(n);
    if (target < from + k) {
      const right = subtree(leafHashes, from + k, to);
      const left = walk(from, from + k, target);
      path.push(Buffer.from(right).toString('hex'));
      return nodeHash(left, right);
    }
    const left = subtree(leafHashes, from, from + k);
    const right = walk(from + k, to, target);
    path.push(Buffer.from(left).toString('hex'));
    return nodeHash(left, right);
  };
  walk(0, leafHashes.length, index);
  return path;
}

/** Recomputes the root from a leaf hash, its index, the tree size and its audit path (RFC 9162 §2.1.3.2). */
export function rootFromPath(leafHash: Uint8Array, index: number, treeSize: number, path: readonly string[]): string | undefined {
  if (index >= treeSize) return undefined;
  let fn = index;
  let sn = treeSize - 1;
  let r: Uint8Array = leafHash;
  for (const p of path) {
    if (sn === 0) return undefined;
    const sibling = Buffer.from(p, 'hex');
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(sibling, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = nodeHash(r, sibling);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn === 0 ? Buffer.from(r).toString('hex') : undefined;
}

function subtree(leaves: readonly Uint8Array[], from: number, to: number): Uint8Array {
  if (to - from === 1) return leaves[from]!;
  const k = largestPowerOfTwoBelow(to - from);
  return nodeHash(subtree(leaves, from, from + k), subtree(leaves, from + k, to));
}

function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}
