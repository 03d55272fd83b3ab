/**
 * Matters deployed at run time, as events. A service centre's own matters (and new versions
 * of built-in ones) are recorded in the system stream `$matters`, not in code:
 *
 *   MatterDeployed { id, version, name, source, at }   (source: the matter file's text as deployed, YAML or JSON)
 *   MatterRetired  { id, at }                                (no new cases; running ones go on)
 *
 * Who did it is the event's actor. Every server on the store reads the stream and serves what
 * it holds within a poll; the catalogue "as of T" applies only the records made at or before T.
 */
import type { MatterRetirement } from './catalogue.js';

export const MATTERS_STREAM = '$matters';

export interface MatterDeployed {
  type: 'MatterDeployed';
  /**
   * `source` is the file's text, not parsed JSON: the store keeps data with its keys sorted
   * (canonical, for the hash chain), and a form's fields keep the order the author gave them.
   * Its `version` field, if any, is overridden by `version`.
   */
  data: { id: string; version: number; name: string; source: string; at: string };
}

export interface MatterRetired {
  type: 'MatterRetired';
  data: { id: string; at: string };
}

export type MatterRecordEvent = MatterDeployed | MatterRetired;

/** A stored record of `$matters`, with who made it and when. */
export type MatterRecord = MatterRecordEvent & { position: number; actor: string; recordedAt: string };

/** Reads the records of the `$matters` stream, skipping any other event type. */
export function matterRecordsOf(events: readonly { type: string; data: unknown; position: number; recordedAt: string; metadata?: unknown }[]): MatterRecord[] {
  const out: MatterRecord[] = [];
  for (const e of events) {
    if (e.type !== 'MatterDeployed' && e.type !== 'MatterRetired') continue;
    const actor = String((e.metadata as { actor?: unknown } | undefined)?.actor ?? 'unknown');
    out.push({ type: e.type, data: e.data, position: e.position, actor, recordedAt: e.recordedAt } as MatterRecord);
  }
  return out;
}

/** The records made at or before `asOf` (all when it is omitted). */
export const matterRecordsAsOf = (records: readonly MatterRecord[], asOf?: Date | string): MatterRecord[] => {
  if (asOf === undefined) return [...records];
  const limit = new Date(asOf).getTime();
  return records.filter((r) => Date.parse(r.recordedAt) <= limit);
};

/** Which matters are retired after these records: a later deploy brings a matter back. */
export function retirementsOf(records: readonly MatterRecord[]): Map<string, MatterRetirement> {
  const retired = new Map<string, MatterRetirement>();
  for (const r of records) {
    if (r.type === 'MatterRetired') retired.set(r.data.id, { by: r.actor, at: r.recordedAt });
    else retired.delete(r.data.id);
  }
  return retired;
}
