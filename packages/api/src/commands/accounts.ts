import { DEPARTMENTS } from '@onematter/engine';
import { Option, type Command } from 'commander';
import { AuthDirectory } from '../auth/directory.js';
import { ROLES } from '../auth/roles.js';
import type { CommandKit } from '../cli.js';
import { systemClock, UsageError } from '../runtime.js';
import { reportTampered, withStore, type StoreFlags } from './keys.js';

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new UsageError('--password-stdin reads the password from standard input: pipe it in, e.g. printf %s "$PW" | onematter accounts create …');
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/**
 * `onematter accounts create|list`: workbench sign-in accounts for people without the
 * province's single sign-on. Passwords are read from standard input or ONEMATTER_PASSWORD
 * (never from an argument, which `ps` would show) and kept only as scrypt hashes.
 */
export function registerAccountsCommand(program: Command, kit: CommandKit): void {
  const accounts = program.command('accounts').description('workbench sign-in accounts (passwords stored as scrypt hashes)');

  kit
    .storeOptions(accounts.command('create').description('create a sign-in account'))
    .argument('<username>', 'user name for sign-in (lower-case letters, digits, . _ -)')
    .addOption(new Option('--role <role>', 'what the person may do').choices([...ROLES]).makeOptionMandatory())
    .addOption(new Option('--department <id>', `for the department role: ${DEPARTMENTS.join(', ')}`))
    .addOption(new Option('--id-number <id>', 'for the applicant role: the applicant\'s 居民身份证号码 or 统一社会信用代码 (their own cases only)'))
    .addOption(new Option('--name <name>', 'display name, e.g. "王芳"').makeOptionMandatory())
    .option('--password-stdin', 'read the password from standard input (else ONEMATTER_PASSWORD)')
    .action(async (username: string, f: StoreFlags & { role: string; department?: string; idNumber?: string; name: string; passwordStdin?: boolean }) => {
      const password = f.passwordStdin ? await readStdin() : process.env.ONEMATTER_PASSWORD;
      if (!password) throw new UsageError('give the password on standard input with --password-stdin, or in ONEMATTER_PASSWORD');
      const created = await withStore(f, (store) =>
        new AuthDirectory(store, systemClock).ensureAccount(
          { username, displayName: f.name, role: f.role, password, ...(f.department ? { department: f.department } : {}), ...(f.idNumber ? { applicantId: f.idNumber } : {}) },
          'cli',
        ),
      );
      if (!created) throw new UsageError(`the account ${username} exists already`);
      process.stdout.write(`Created account ${username} (${f.role}${f.department ? ' ' + f.department : ''}).\n`);
    });

  kit
    .storeOptions(accounts.command('list').description('list sign-in accounts (never the passwords)'))
    .action(async (f: StoreFlags) => {
      await withStore(f, async (store) => {
        const directory = new AuthDirectory(store, systemClock);
        const list = await directory.listAccounts();
        for (const a of list) {
          process.stdout.write(`${a.username}  ${a.role}${a.department ? ' ' + a.department : ''}  "${a.displayName}"${a.demo ? '  (demo: published password)' : ''}${a.disabledAt ? '  disabled' : ''}\n`);
        }
        if (list.length === 0) process.stdout.write('no accounts yet; "onematter demo" creates demo accounts, "onematter accounts create" real ones\n');
        await reportTampered(directory, 'account');
      });
    });
}
