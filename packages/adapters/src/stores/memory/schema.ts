/**
 * The memory store's "database": the log, each stream's rows, the outbox and the
 * checkpoints, shared by its roles (eventLog, outbox, followers, witnesses). Data is kept
 * as JSON text, exactly as the databases store it.
 */
import type { OutboxRow } from '../appendRules.js';

export interface Row {
  streamId: string;
  globalPosition: number;
  position: number;
  type: string;
  data: string;
  metadata: string;
  recordedAt: string;
  prevHash: string;
  hash: string;
}

export class MemoryDatabase {
  readonly all: Row[] = [];
  readonly streams = new Map<string, Row[]>();
  readonly outbox = new Map<number, OutboxRow>();
  nextOutboxId = 1;
  readonly checkpoints = new Map<string, number>();
  closed = false;

  assertOpen(): void {
    if (this.closed) throw new Error('MemoryEventStore is closed');
  }
}
