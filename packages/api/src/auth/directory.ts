import { contentHash, DEPARTMENTS, genesisHash, prepareChained, type ChainProblem, type Clock, type EventStore, type StoredEvent } from '@onematter/engine';
import { isValidResidentId, isValidUscc } from '@onematter/workflows';
import { isRole, ROLES, type Role } from './roles.js';
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
  /** For the applicant role: the ID number (居民身份证 or 统一社会信用代码) the key's cases are filed under. */
  applicantId?: string;
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
  /** For the applicant role: the ID number (居民身份证 or 统一社会信用代码) the account's cases are filed under. */
  applicantId?: string;
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

/** A record (key or account) that events which do not verify name: it is refused. */
export interface TamperedRecord {
  /** `key k_…` or `account <user name>`. */
  subject: string;
  problem: ChainProblem;
  /** Where it was presented (an HTTP route), when known. */
  where?: string;
}

interface Verified {
  hash: string;
  names: string[];
}

/**
 * One stream folded into a map, refreshed from the store and checked as it is read:
 * each event must hash to its stored hash, follow its predecessor (position and
 * prevHash), and, at a position this process has read before, be the event it read.
 * Only events that pass are folded; whatever a failing event names (a key id, a user
 * name), and whatever was named at a position that is now gone or different, is
 * refused until the store is repaired. Each event is judged on its own and against its
 * predecessor as stored, so one edited record does not lock out every key after it. A full re-read every `maxAgeMs` finds edits
 * to events read before; in between, new events are read incrementally.
 */
class FoldedStream<T, E extends { type: string; data: unknown }> {
  items = new Map<string, T>();
  /** Names that events which do not verify mention, with the first problem found for each. */
  suspects = new Map<string, ChainProblem>();
  /** Per position this process verified (sparse): its hash and the names it mentions. */
  private verified: Verified[] = [];
  /** The stored head, verified or not: appends continue it. */
  private head: { revision: number; hash: string };
  private refreshedAt = 0;
  private refreshing?: Promise<void>;

  constructor(
    private readonly store: EventStore,
    private readonly streamId: string,
    private readonly apply: (items: Map<string, T>, e: E) => void,
    /** The names (key ids, user names) an event's data mentions, however malformed it is. */
    private readonly namesOf: (data: unknown) => string[],
  ) {
    this.head = { revision: -1, hash: genesisHash(streamId) };
  }

  /** Re-reads and re-checks the whole stream when the last full read is older than `maxAgeMs`. */
  refresh(maxAgeMs: number): Promise<void> {
    if (Date.now() - this.refreshedAt < maxAgeMs) return Promise.resolve();
    return this.read(true);
  }

  /** Reads what was appended since the last read (another process's new key), now. */
  catchUp(): Promise<void> {
    return this.read(false);
  }

  private read(full: boolean): Promise<void> {
    this.refreshing ??= (full || this.suspects.size > 0 ? this.readAll() : this.readNew()).finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async readAll(): Promise<void> {
    const events = await this.store.readStream(this.streamId);
    const known = this.verified;
    const items = new Map<string, T>();
    const suspects = new Map<string, ChainProblem>();
    // What this process verified stays its reference for as long as it runs: an event
    // rewritten with a fresh hash is caught at every read, not only at the first.
    const verified: Verified[] = known.slice();
    this.check(events, { revision: -1, hash: genesisHash(this.streamId) }, items, suspects, verified, known);
    const present = new Set(events.map((e) => e.position));
    known.forEach((k, position) => {
      if (present.has(position)) return;
      const problem = { streamId: this.streamId, position, reason: 'deleted: an event this server read before at this position is gone' };
      for (const name of k.names) if (!suspects.has(name)) suspects.set(name, problem);
    });
    this.items = items;
    this.suspects = suspects;
    this.verified = verified;
    this.head = { revision: -1, hash: genesisHash(this.streamId) };
    this.setHead(events);
    this.refreshedAt = Date.now();
  }

  private async readNew(): Promise<void> {
    const events = await this.store.readStream(this.streamId, { fromPosition: this.head.revision + 1 });
    this.check(events, this.head, this.items, this.suspects, this.verified, []);
    this.setHead(events);
  }

  /** Folds the events that verify into `items`; names those that do not in `suspects`. */
  private check(
    events: readonly StoredEvent[],
    after: { revision: number; hash: string },
    items: Map<string, T>,
    suspects: Map<string, ChainProblem>,
    verified: Verified[],
    known: readonly Verified[],
  ): void {
    let expected = after.revision + 1;
    let prev = after.hash;
    for (const e of events) {
      const reason =
        e.position !== expected
          ? `expected position ${expected}, found ${e.position} (deleted or reordered)`
          : e.prevHash !== prev
            ? 'the chain is broken: prevHash is not the hash of the event before (replaced or reordered)'
            : contentHash({ ...e, streamId: this.streamId }) !== e.hash
              ? 'the record was altered: its hash does not match its content'
              : known[e.position] && known[e.position]!.hash !== e.hash
                ? 'the record was rewritten: it is not the event this server read before at this position'
                : undefined;
      const names = this.namesOf(e.data);
      if (reason === undefined) {
        this.apply(items, { type: e.type, data: e.data } as E);
        verified[e.position] = { hash: e.hash, names };
      } else {
        // The event is not folded, and whatever it names, now or when this server read it
        // before, is refused: a revocation edited away must not bring its key back.
        const problem = { streamId: this.streamId, position: e.position, reason };
        const named = [...names, ...(known[e.position]?.names ?? [])];
        for (const name of named) if (!suspects.has(name)) suspects.set(name, problem);
        if (named.length === 0) suspects.set(`#${e.position}`, problem);
      }
      expected = e.position + 1;
      prev = e.hash;
    }
  }

  private setHead(events: readonly StoredEvent[]): void {
    const last = events[events.length - 1];
    if (last && last.position > this.head.revision) this.head = { revision: last.position, hash: last.hash };
  }

  /** Decides on the freshest state and appends at the expected revision; retries a lost race. */
  async append(decide: (items: Map<string, T>) => E[], actor: string, now: Date): Promise<void> {
    for (let attempt = 0; attempt < 10; attempt++) {
      await this.catchUp();
      const events = decide(this.items);
      if (events.length === 0) return;
      const prepared = prepareChained(this.streamId, this.head, events, actor, now.toISOString());
      const r = await this.store.append({ streamId: this.streamId, events: prepared, expectedRevision: this.head.revision });
      if (r.ok) {
        await this.catchUp();
        return;
      }
    }
    throw new Error(`${this.streamId}: gave up after repeated concurrent writes`);
  }
}

export interface AuthDirectoryOptions {
  /**
   * How stale the cached keys and accounts may be before a request re-reads and
   * re-checks their streams: the delay before a revocation, or an edit in the store,
   * takes effect (default 1 s).
   */
  refreshMs?: number;
  /** Called when a key or account is refused because its record does not verify (to log it and record it in the access log). */
  onTampered?: (t: TamperedRecord) => void;
}

const nameAt = (data: unknown, field: string): string[] => {
  const v = data && typeof data === 'object' && Object.hasOwn(data, field) ? (data as Record<string, unknown>)[field] : undefined;
  return typeof v === 'string' ? [v] : [];
};

/** Access keys and accounts: create, revoke, verify. */
export class AuthDirectory {
  private readonly keys: FoldedStream<AccessKeyRecord, KeyEvent>;
  private readonly accounts: FoldedStream<AccountRecord, AccountEvent>;
  private readonly refreshMs: number;
  private readonly onTampered: (t: TamperedRecord) => void;

  constructor(
    store: EventStore,
    private readonly clock: Clock = { now: () => new Date() },
    options: AuthDirectoryOptions = {},
  ) {
    this.refreshMs = options.refreshMs ?? 1000;
    this.onTampered = options.onTampered ?? (() => undefined);
    this.keys = new FoldedStream(store, KEYS_STREAM, (items, e) => {
      if (e.type === 'AccessKeyCreated') items.set(e.data.id, { ...e.data });
      else if (e.type === 'AccessKeyRevoked') {
        const k = items.get(e.data.id);
        if (k) k.revokedAt = e.data.revokedAt;
      }
    }, (data) => nameAt(data, 'id'));
    this.accounts = new FoldedStream(store, ACCOUNTS_STREAM, (items, e) => {
      if (e.type === 'AccountCreated') items.set(e.data.username, { ...e.data });
      else {
        const a = items.get(e.data.username);
        if (!a) return;
        if (e.type === 'AccountPasswordChanged') a.passwordHash = e.data.passwordHash;
        else a.disabledAt = e.data.at;
      }
    }, (data) => nameAt(data, 'username'));
  }

  // ------------------------------------------------------------------------------ access keys

  /** Creates a key; the clear key is in the result and nowhere else. */
  async createKey(input: { role: string; department?: string; applicantId?: string; name: string }, by = 'cli'): Promise<{ record: AccessKeyRecord; key: string }> {
    const { role, department, applicantId } = checkRole(input.role, input.department, input.applicantId);
    const name = input.name.trim();
    if (!name) throw new AuthInputError('a key needs a name (--name), e.g. the system that will use it');
    const k = generateAccessKey();
    const record: AccessKeyRecord = {
      id: `k_${k.id}`,
      name,
      role,
      ...(department ? { department } : {}),
      ...(applicantId ? { applicantId } : {}),
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
    await this.keys.refresh(0);
    return [...this.keys.items.values()].map((k) => ({ ...k }));
  }

  /** Keys and accounts refused because events that do not verify name them. */
  async tampered(): Promise<TamperedRecord[]> {
    await Promise.all([this.keys.refresh(0), this.accounts.refresh(0)]);
    return [
      ...[...this.keys.suspects].filter(([id]) => !id.startsWith('#')).map(([id, problem]) => ({ subject: `key ${id}`, problem })),
      ...[...this.accounts.suspects].filter(([name]) => !name.startsWith('#')).map(([name, problem]) => ({ subject: `account ${name}`, problem })),
    ];
  }

  /** The live key record a presented key matches, or undefined (also when the key's record does not verify). */
  async verifyKey(presented: string, where?: string): Promise<AccessKeyRecord | undefined> {
    const id = accessKeyId(presented);
    if (!id) return undefined;
    const keyId = `k_${id}`;
    await this.keys.refresh(this.refreshMs);
    // A key created a moment ago by another process: look once more, now.
    if (!this.keys.items.has(keyId) && !this.keys.suspects.has(keyId)) await this.keys.catchUp();
    const problem = this.keys.suspects.get(keyId);
    if (problem) {
      this.onTampered({ subject: `key ${keyId}`, problem, ...(where ? { where } : {}) });
      return undefined;
    }
    const k = this.keys.items.get(keyId);
    if (!k || k.revokedAt) return undefined;
    return sameHash(hashAccessKey(presented), k.hash) ? k : undefined;
  }

  // ------------------------------------------------------------------------------ accounts

  /** Creates an account unless the user name exists; returns whether it created one. */
  async ensureAccount(
    input: { username: string; displayName: string; role: string; department?: string; applicantId?: string; password: string; demo?: boolean },
    by = 'cli',
  ): Promise<boolean> {
    const { role, department, applicantId } = checkRole(input.role, input.department, input.applicantId);
    if (!/^[a-z0-9][a-z0-9._-]{1,63}$/.test(input.username)) {
      throw new AuthInputError('a user name is 2–64 lower-case letters, digits, ".", "_" or "-"');
    }
    if (input.password.length < 8) throw new AuthInputError('a password has at least 8 characters');
    await this.accounts.refresh(0);
    if (this.accounts.items.has(input.username) || this.accounts.suspects.has(input.username)) return false;
    const passwordHash = await hashPassword(input.password);
    let created = false;
    await this.accounts.append(
      (items) => {
        if (items.has(input.username) || this.accounts.suspects.has(input.username)) return [];
        created = true;
        return [
          {
            type: 'AccountCreated',
            data: {
              username: input.username,
              displayName: input.displayName,
              role,
              ...(department ? { department } : {}),
              ...(applicantId ? { applicantId } : {}),
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

  /**
   * Display names by the identity an event's actor records (`user.wang` → 王芳,
   * `key.k_1` → the key's name), so a timeline names people, not accounts.
   */
  async people(): Promise<Record<string, string>> {
    const names: Record<string, string> = {};
    for (const k of await this.listKeys()) names[`key.${k.id}`] = k.name;
    for (const a of await this.listAccounts()) names[`user.${a.username}`] = a.displayName;
    return names;
  }

  async listAccounts(): Promise<Omit<AccountRecord, 'passwordHash'>[]> {
    await this.accounts.refresh(0);
    return [...this.accounts.items.values()].map(({ passwordHash: _, ...a }) => a);
  }

  /** The account if the password is right, else undefined (same time either way; also when the account's record does not verify). */
  async verifyPassword(username: string, password: string, where?: string): Promise<AccountRecord | undefined> {
    await this.accounts.refresh(this.refreshMs);
    const problem = this.accounts.suspects.get(username);
    const a = problem ? undefined : this.accounts.items.get(username);
    const ok = await verifyPassword(password, a?.passwordHash ?? (await dummyPasswordHash()));
    if (problem) this.onTampered({ subject: `account ${username}`, problem, ...(where ? { where } : {}) });
    return ok && a && !a.disabledAt ? { ...a } : undefined;
  }
}

function checkRole(role: string, department: string | undefined, applicantId?: string): { role: Role; department?: string; applicantId?: string } {
  if (!isRole(role)) throw new AuthInputError(`unknown role "${role}"; use ${ROLES.join(', ')}`);
  const id = applicantId?.replace(/\s+/g, '').toUpperCase();
  if (role === 'applicant') {
    if (department) throw new AuthInputError('only the department role takes --department (not applicant)');
    if (!id) throw new AuthInputError('the applicant role is bound to the applicant\'s ID number: add --id-number (居民身份证号码 or 统一社会信用代码)');
    if (!isValidResidentId(id) && !isValidUscc(id)) throw new AuthInputError(`--id-number "${applicantId}" is neither a valid 居民身份证号码 nor a valid 统一社会信用代码`);
    return { role, applicantId: id };
  }
  if (id) throw new AuthInputError(`only the applicant role takes --id-number (not ${role})`);
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
