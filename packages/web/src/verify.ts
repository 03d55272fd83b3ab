import type { StoredEvent } from './types';

/**
 * The hash chain checked in the browser, independently of the server's code: each
 * event's hash is SHA-256 over the RFC 8785 canonical JSON of
 * { data, metadata, position, prevHash, recordedAt, streamId, type }, and the first
 * event chains from sha256("onematter:" + case id) (packages/engine/src/audit).
 */
export function canonicalize(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new Error('non-finite number');
      return '' + value;
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalize(v))).join(',')}]`;
      const o = value as Record<string, unknown>;
      return `{${Object.keys(o)
        .sort()
        .filter((k) => o[k] !== undefined)
        .map((k) => `${JSON.stringify(k)}:${canonicalize(o[k])}`)
        .join(',')}}`;
    }
    default:
      throw new Error(`cannot canonicalise ${typeof value}`);
  }
}

const sha256 = async (text: string) =>
  [...new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)))].map((b) => b.toString(16).padStart(2, '0')).join('');

export interface ChainCheck {
  ok: boolean;
  checked: number;
  /** The first position that does not verify, and why. */
  badPosition?: number;
  reason?: string;
}

export async function verifyChain(streamId: string, events: StoredEvent[]): Promise<ChainCheck> {
  let prev = await sha256(`onematter:${streamId}`);
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    if (e.position !== i) return { ok: false, checked: i, badPosition: i, reason: `位置不连续：应为 ${i}，实为 ${e.position}` };
    if (e.prevHash !== prev) return { ok: false, checked: i, badPosition: i, reason: '前一事件哈希不符（事件被删除、插入或调换）' };
    const h = await sha256(canonicalize({ data: e.data, metadata: e.metadata, position: e.position, prevHash: e.prevHash, recordedAt: e.recordedAt, streamId, type: e.type }));
    if (h !== e.hash) return { ok: false, checked: i, badPosition: i, reason: '事件内容与哈希不符（事件被篡改）' };
    prev = e.hash;
  }
  return { ok: true, checked: events.length };
}
