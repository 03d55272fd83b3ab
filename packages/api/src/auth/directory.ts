import { DEPARTMENTS, eventHash, genesisHash, type Clock, type EventStore, type PreparedEvent, type StoredEvent } from '@onematter/engine';
import { isRole, type Role } from './roles.js';
import { accessKeyId, dummyPasswordHash, generateAccessKey, hashAccessKey, hashPassword, sameHash, verifyPassword } from './secrets.js';

/**
 * Access keys and sign-in accounts live as events in streams of their own, in the same
 * store as the cases, so every store (memory, SQLite, PostgreSQL, …) keeps them, a key
 * created by `onematter keys create` in another process is seen by a running server,
 * and the history of who was given which key is hash-chained like a case.
 * Only hashes are stored: SHA-256 of a key, scrypt of a password.
 */
// System streams start with `$` (engine: audit/streams.ts): projections and the event feed skip them.
export const KEYS_STREAM = '$auth-keys';
export const ACCOUNTS_STREAM = '$auth-accounts';

export interface AccessKeyRecord {
  id: string;
  name: string;
  role: Role;
  department?: string;
  hash: string;
  createdAt: string;
  createdBy: string;
  revokedAt?: string;
}

export interface AccountRecord {
  username: string;
  displayName: string;
  role: Role;
  department?: string;
  passwordHash: string;
  /** Demo accounts have published passwords. */
  demo: boolean;
  createdAt: string;
  disabledAt?: string;
}

type KeyEvent =
  | { type: 'AccessKeyCreated'; data: Omit<AccessKeyRecord, 'revokedAt'> }
  | { type: 'AccessKeyRevoked'; data: { id: string; revokedAt: string; revokedBy: string } };

type AccountEvent =
  | { type: 'AccountCreated'; data: Omit<AccountRecord, 'disabledAt'> }
  | { type: 'AccountPasswordChanged'; data: { username: string; passwordHash: string; at: string } }
  | { type: 'AccountDisabled'; data: { username: string; at: string } };

/** A mistake in what was asked (unknown department, role without department): exit 2 / 400. */
export class AuthInputError extends Error {
  override name = 'AuthInputError';
}

/** One stream folded into a map, refreshed incrementally from the store. */
class FoldedStream<T, E extends { type: string; data: unknown }> {
  readonly items = new Map<string, T>();
  private revision = -1;
  private lastHash: string;
  private refreshedAt = 0;
  private refreshing?: Promise<void>;

  constructor(
    private readonly store: EventStore,
    private readonly streamId: string,
    private readonly apply: (items: Map<string, T>, e: E) => void,
  ) {
    this.lastHash = genesisHash(streamId);
  }

  /** Reads what other processes appended since the last read, at most every `maxAgeMs`. */
  refresh(maxAgeMs = 0): Promise<void> {
    if (Date.now() - this.refreshedAt < maxAgeMs) return Promise.resolve();
    this.refreshing ??= this.read().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async read(): Promise<void> {
    const events = await this.store.readStream(this.streamId, { fromPosition: this.revision + 1 });
    for (const e of events) this.fold(e);
    this.refreshedAt = Date.now();
  }

  private fold(e: StoredEvent | (PreparedEvent & { streamId?: string })): void {
    if (e.position !== this.revision + 1) return;
    this.apply(this.items, { type: e.type, data: e.data } as E);
    this.revision = e.position;
    this.lastHash = e.hash;
  }

  /** Decides on the freshest state and appends at the expected revision; retries a lost race. */
  async append(decide: (items: Map<string, T>) => E[], actor: string, now: Date): Promise<void> {
    for (let attempt = 0; attempt < 10; attempt++) {
      await this.refresh();
      const events = decide(this.items);
      if (events.length === 0) return;
      const at = now.toISOString();
      let prevHash = this.lastHash;
      const prepared: PreparedEvent[] = events.map((e, i) => {
        const fields = { streamId: this.streamId, position: this.revision + 1 + i, type: e.type, data: e.data, metadata: { v: 1, actor }, recordedAt: at, prevHash };
        const hash = eventHash(fields);
        prevHash = hash;
        return { position: fields.position, type: e.type, data: e.data, metadata: fields.metadata, recordedAt: at, prevHash: fields.prevHash, hash };
      });
      const r = await this.store.append({ streamId: this.streamId, events: prepared, expectedRevision: this.revision });
      if (r.ok) {
        for (const p of prepared) this.fold(p);
        return;
      }
    }
    throw new Error(`${this.streamId}: gave up after repeated concurrent writes`);
  }
}

export interface AuthDirectoryOptions {
  /** How stale the cached keys may be before a request re-reads the stream (revocation delay). */
  refreshMs?: number;
}

/** Access keys and accounts: create, revoke, verify. */
export class AuthDirectory {
  private readonly keys: FoldedStream<AccessKeyRecord, KeyEvent>;
  private readonly accounts: FoldedStream<AccountRecord, AccountEvent>;
  private readonly refreshMs: number;

  constructor(
    store: EventStore,
    private readonly clock: Clock = { now: () => new Date() },
    options: AuthDirectoryOptions = {},
  ) {
    this.refreshMs = options.refreshMs ?? 1000;
    this.keys = new FoldedStream(store, KEYS_STREAM, (items, e) => {
      if (e.type === 'AccessKeyCreated') items.set(e.data.id, { ...e.data });
      else if (e.type === 'AccessKeyRevoked') {
        const k = items.get(e.data.id);
        if (k) k.revokedAt = e.data.revokedAt;
      }
    });
    this.accounts = new FoldedStream(store, ACCOUNTS_STREAM, (items, e) => {
      if (e.type === 'AccountCreated') items.set(e.data.username, { ...e.data });
      else {
        const a = items.get(e.data.username);
        if (!a) return;
        if (e.type === 'AccountPasswordChanged') a.passwordHash = e.data.passwordHash;
        else a.disabledAt = e.data.at;
      }
    });
  }

  // ------------------------------------------------------------------------------ access keys

  /** Creates a key; the clear key is in the result and nowhere else. */
  async createKey(input: { role: string; department?: string; name: string }, by = 'cli'): Promise<{ record: AccessKeyRecord; key: string }> {
    const { role, department } = checkRole(input.role, input.department);
    const name = input.name.trim();
    if (!name) throw new AuthInputError('a key needs a name (--name), e.g. the system that will use it');
    const k = generateAccessKey();
    const record: AccessKeyRecord = {
      id: `k_${k.id}`,
      name,
      role,
      ...(department ? { department } : {}),
      hash: k.hash,
      createdAt: this.clock.now().toISOString(),
      createdBy: by,
    };
    await this.keys.append(() => [{ type: 'AccessKeyCreated', data: record }], by, this.clock.now());
    return { record, key: k.key };
  }

  /** Revokes a key: false when no such key exists; revoking twice is a no-op. */
  async revokeKey(id: string, by = 'cli'): Promise<AccessKeyRecord | undefined> {
    let found = false;
    await this.keys.append(
      (items) => {
        const k = items.get(id);
        found = Boolean(k);
        if (!k || k.revokedAt) return [];
        return [{ type: 'AccessKeyRevoked', data: { id, revokedAt: this.clock.now().toISOString(), revokedBy: by } }];
      },
      by,
      this.clock.now(),
    );
    return found ? { ...this.keys.items.get(id)! } : undefined;
  }

  async listKeys(): Promise<AccessKeyRecord[]> {
    await this.keys.refresh();
    return [...this.keys.items.values()].map((k) => ({ ...k }));
  }

  /** The live key record a presented key matches, or undefined. */
  async verifyKey(presented: string): Promise<AccessKeyRecord | undefined> {
    const id = accessKeyId(presented);
    if (!id) return undefined;
    await this.keys.refresh(this.refreshMs);
    let k = this.keys.items.get(`k_${id}`);
    // A key created a moment ago by another process: look once more, now.
    if (!k) {
      await this.keys.refresh();
      k = this.keys.items.get(`k_${id}`);
    }
    if (!k || k.revokedAt) return undefined;
    return sameHash(hashAccessKey(presented), k.hash) ? k : undefined;
  }

  // ------------------------------------------------------------------------------ accounts

  /** Creates an account unless the user name exists; returns whether it created one. */
  async ensureAccount(input: { username: string; displayName: string; role: string; department?: string; password: string; demo?: boolean }, by = 'cli'): Promise<boolean> {
    const { role, department } = checkRole(input.role, input.department);
    if (!/^[a-z0-9][a-z0-9._-]{1,63}$/.test(input.username)) {
      throw new AuthInputError('a user name is 2–64 lower-case letters, digits, ".", "_" or "-"');
    }
    if (input.password.length < 8) throw new AuthInputError('a password has at least 8 characters');
    await this.accounts.refresh();
    if (this.accounts.items.has(input.username)) return false;
    const passwordHash = await hashPassword(input.password);
    let created = false;
    await this.accounts.append(
      (items) => {
        if (items.has(input.username)) return [];
        created = true;
        return [
          {
            type: 'AccountCreated',
            data: {
              username: input.username,
              displayName: input.displayName,
              role,
              ...(department ? { department } : {}),
              passwordHash,
              demo: Boolean(input.demo),
              createdAt: this.clock.now().toISOString(),
            },
          },
        ];
      },
      by,
      this.clock.now(),
    );
    return created;
  }

  async listAccounts(): Promise<Omit<AccountRecord, 'passwordHash'>[]> {
    await this.accounts.refresh();
    return [...this.accounts.items.values()].map(({ passwordHash: _, ...a }) => a);
  }

  /** The account if the password is right, else undefined (same time either way). */
  async verifyPassword(username: string, password: string): Promise<AccountRecord | undefined> {
    await this.accounts.refresh(this.refreshMs);
    const a = this.accounts.items.get(username);
    const ok = await verifyPassword(password, a?.passwordHash ?? (await dummyPasswordHash()));
    return ok && a && !a.disabledAt ? { ...a } : undefined;
  }
}

function checkRole(role: string, department: string | undefined): { role: Role; department?: string } {
  if (!isRole(role)) throw new AuthInputError(`unknown role "${role}"; use clerk, department, supervisor, auditor or admin`);
  if (role === 'department') {
    if (!department) throw new AuthInputError(`the department role is bound to one department: add --department (${DEPARTMENTS.join(', ')})`);
    if (!(DEPARTMENTS as readonly string[]).includes(department)) {
      throw new AuthInputError(`unknown department "${department}"; use one of: ${DEPARTMENTS.join(', ')}`);
    }
    return { role, department };
  }
  if (department) throw new AuthInputError(`only the department role takes --department (not ${role})`);
  return { role };
}
