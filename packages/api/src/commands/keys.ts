import { DEPARTMENT_NAMES, DEPARTMENTS, type DepartmentId, type EventStore } from '@onematter/engine';
import { Option, type Command } from 'commander';
import { resolve } from 'node:path';
import { AuthDirectory, AuthInputError } from '../auth/directory.js';
import { ROLE_NAMES, ROLES } from '../auth/roles.js';
import type { CommandKit } from '../cli.js';
import { CheckFailed, openConfiguredStore, systemClock, UsageError, type RuntimeConfig } from '../runtime.js';

export interface StoreFlags {
  dataDir: string;
  store: RuntimeConfig['store'];
  pgUrl?: string;
  pgSchema?: string;
  kurrentdbUrl?: string;
}

/** Opens the store named by the store flags (the caller closes it). */
export function openStoreOf(f: StoreFlags): ReturnType<typeof openConfiguredStore> {
  return openConfiguredStore({
    store: f.store,
    dataDir: resolve(f.dataDir),
    ...(f.pgUrl ? { pgUrl: f.pgUrl } : {}),
    ...(f.pgSchema ? { pgSchema: f.pgSchema } : {}),
    ...(f.kurrentdbUrl ? { kurrentdbUrl: f.kurrentdbUrl } : {}),
  });
}

/** Whether a store flag was given (on the command line or in the environment), not just defaulted. */
export const storeFlagGiven = (cmd: Command): boolean =>
  (['store', 'dataDir', 'pgUrl', 'pgSchema', 'kurrentdbUrl'] as const).some((k) => {
    const source = cmd.getOptionValueSource(k);
    return source !== undefined && source !== 'default';
  });

/** Opens the store named by the store flags, runs `work`, closes it; input mistakes become exit 2. */
export async function withStore<T>(f: StoreFlags, work: (store: EventStore) => Promise<T>): Promise<T> {
  if (f.store === 'memory') {
    process.stderr.write('onematter: note: --store memory keeps nothing after this command; a server will not see it\n');
  }
  const store = await openStoreOf(f);
  try {
    return await work(store);
  } catch (error) {
    if (error instanceof AuthInputError) throw new UsageError(error.message);
    throw error;
  } finally {
    await store.close();
  }
}

/**
 * After a listing: the keys or accounts that are refused because their records do not
 * verify (edited in the store), one line each; the command then fails (exit 1).
 */
export async function reportTampered(directory: AuthDirectory, kind: 'key' | 'account'): Promise<void> {
  const refused = (await directory.tampered()).filter((t) => t.subject.startsWith(`${kind} `));
  for (const { subject, problem } of refused) {
    process.stdout.write(`REFUSED ${subject}: its record does not verify (${problem.streamId} position ${problem.position}: ${problem.reason})\n`);
  }
  if (refused.length > 0) {
    throw new CheckFailed(`${refused.length} ${kind}${refused.length === 1 ? '' : 's'} refused: the store was edited; restore the record from a backup (onematter audit verify --all names it)`);
  }
}

const who = (role: string, department?: string) =>
  department ? `${ROLE_NAMES[role as keyof typeof ROLE_NAMES] ?? role} · ${DEPARTMENT_NAMES[department as DepartmentId] ?? department} (${role} ${department})` : `${ROLE_NAMES[role as keyof typeof ROLE_NAMES] ?? role} (${role})`;

/**
 * `onematter keys create|list|revoke`: access keys for department systems and other
 * callers. A key is printed once, on the last line, and kept only as its SHA-256.
 */
export function registerKeysCommand(program: Command, kit: CommandKit): void {
  const keys = program.command('keys').description('access keys for systems: create, list, revoke (stored as hashes, in the event store)');

  kit
    .storeOptions(keys.command('create').description('create an access key; the key is printed once, on the last line'))
    .addOption(new Option('--role <role>', 'what the key may do').choices([...ROLES]).makeOptionMandatory())
    .addOption(new Option('--department <id>', `the department a department key acts for: ${DEPARTMENTS.join(', ')}`))
    .addOption(new Option('--id-number <id>', 'for the applicant role: the applicant\'s 居民身份证号码 or 统一社会信用代码 (their own cases only)'))
    .addOption(new Option('--name <name>', 'who uses it, e.g. "税务系统"').makeOptionMandatory())
    .action(async (f: StoreFlags & { role: string; department?: string; idNumber?: string; name: string }) => {
      const { record, key } = await withStore(f, (store) =>
        new AuthDirectory(store, systemClock).createKey(
          { role: f.role, name: f.name, ...(f.department ? { department: f.department } : {}), ...(f.idNumber ? { applicantId: f.idNumber } : {}) },
          'cli',
        ),
      );
      process.stdout.write(
        [
          `Created access key ${record.id} "${record.name}": ${who(record.role, record.department)}.`,
          'It is shown only now and stored only as a hash: put it in the system\'s secret store.',
          'Send it as "Authorization: Bearer <key>" or "X-Api-Key: <key>". Revoke it with: onematter keys revoke ' + record.id,
          key,
        ].join('\n') + '\n',
      );
    });

  kit
    .storeOptions(keys.command('list').description('list access keys (never the keys themselves)'))
    .option('--json', 'print JSON')
    .action(async (f: StoreFlags & { json?: boolean }) => {
      await withStore(f, async (store) => {
        const directory = new AuthDirectory(store, systemClock);
        const rows = (await directory.listKeys()).map(({ hash: _, ...k }) => k);
        if (f.json) {
          process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
        } else if (rows.length === 0) {
          process.stdout.write('no access keys yet; create one with: onematter keys create --role department --department tax --name "税务系统"\n');
        }
        if (!f.json) {
          for (const k of rows) {
            process.stdout.write(`${k.id}  ${k.revokedAt ? 'revoked ' + k.revokedAt : 'active'}  ${who(k.role, k.department)}  "${k.name}"  created ${k.createdAt}\n`);
          }
        }
        await reportTampered(directory, 'key');
      });
    });

  kit
    .storeOptions(keys.command('revoke').description('revoke an access key: it stops working within a second'))
    .argument('<id>', 'the key id (k_…), from keys list')
    .action(async (id: string, f: StoreFlags) => {
      const k = await withStore(f, (store) => new AuthDirectory(store, systemClock).revokeKey(id, 'cli'));
      if (!k) throw new UsageError(`no access key ${id}; see the ids with: onematter keys list`);
      process.stdout.write(`Revoked access key ${k.id} "${k.name}" (${who(k.role, k.department)}).\n`);
    });
}
