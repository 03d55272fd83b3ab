import { DEPARTMENT_NAMES, DEPARTMENTS, topicsWithPrefix } from '@onematter/engine';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { build, logRedaction } from './app.js';
import { addAuthOptions, authOptionsFrom, DEMO_ACCOUNTS, demoSignInLines, ensureDemoAccounts, type AuthFlags } from './auth/cli.js';
import { registerAccountsCommand } from './commands/accounts.js';
import { addTimeOptions, registerCalendarCommand, timeConfigFrom, type TimeFlags } from './commands/calendar.js';
import { addCommitmentsOption, commitmentsConfigFrom } from './commands/commitments.js';
import { registerAuditCommand } from './commands/audit.js';
import { registerDepartmentCommand } from './commands/department.js';
import { registerKeysCommand } from './commands/keys.js';
import { registerProjectionsCommand } from './commands/projections.js';
import { registerMattersCommand } from './commands/matters.js';
import { addHttpOptions, httpOptionsFrom, type HttpFlags } from './http.js';
import { CheckFailed, createRuntime, UsageError, type Runtime, type RuntimeConfig } from './runtime.js';

/** Exit codes: 0 success, 1 a failed check, 2 bad usage. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

const port = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('a port is an integer from 0 to 65535');
  return n;
};

interface ServeFlags extends AuthFlags, TimeFlags, HttpFlags {
  commitments?: string;
  port: number;
  host: string;
  dataDir: string;
  store: RuntimeConfig['store'];
  bus: RuntimeConfig['bus'];
  simulateDepartments: boolean;
  pgUrl?: string;
  pgSchema?: string;
  kafkaBrokers?: string;
  topicPrefix?: string;
  kurrentdbUrl?: string;
  simulateDelayMs?: string;
  simulateSupplementRate?: string;
  manualDepartments?: string;
  logLevel: string;
}

function simulationOf(f: ServeFlags, defaults: { delayMs: [number, number]; supplementRate: number }): NonNullable<RuntimeConfig['simulation']> {
  let delayMs = defaults.delayMs;
  if (f.simulateDelayMs !== undefined) {
    const parts = f.simulateDelayMs.split(',').map((x) => Number(x.trim()));
    if (parts.length > 2 || parts.some((n) => !Number.isFinite(n) || n < 0)) {
      throw new UsageError(`--simulate-delay-ms takes "min,max" or one number of milliseconds, not "${f.simulateDelayMs}"`);
    }
    delayMs = [parts[0]!, parts[1] ?? parts[0]!];
  }
  let supplementRate = defaults.supplementRate;
  if (f.simulateSupplementRate !== undefined) {
    supplementRate = Number(f.simulateSupplementRate);
    if (!(supplementRate >= 0 && supplementRate <= 1)) throw new UsageError('--simulate-supplement-rate is a share from 0 to 1');
  }
  if (f.manualDepartments && f.manualDepartments.trim() !== 'none') {
    const manual = f.manualDepartments.split(',').map((s) => s.trim()).filter(Boolean);
    const unknown = manual.filter((d) => !(DEPARTMENTS as readonly string[]).includes(d));
    if (unknown.length) throw new UsageError(`--manual-departments: unknown department ${unknown.join(', ')}; use ${DEPARTMENTS.join(', ')}`);
    return { delayMs, supplementRate, departments: DEPARTMENTS.filter((d) => !manual.includes(d)) };
  }
  return { delayMs, supplementRate };
}

const storeOptions = (cmd: Command) =>
  cmd
    .addOption(new Option('--data-dir <dir>', 'where the embedded SQLite store keeps its file').env('ONEMATTER_DATA_DIR').default('./data'))
    .addOption(new Option('--store <kind>', 'event store').choices(['sqlite', 'memory', 'postgres', 'kurrentdb']).env('ONEMATTER_STORE').default('sqlite'))
    .addOption(new Option('--pg-url <url>', 'PostgreSQL connection string (with --store postgres)').env('ONEMATTER_PG_URL'))
    .addOption(new Option('--pg-schema <name>', 'PostgreSQL schema holding the tables, created if missing (default onematter)').env('ONEMATTER_PG_SCHEMA'))
    .addOption(new Option('--kurrentdb-url <url>', 'KurrentDB connection string (with --store kurrentdb)').env('ONEMATTER_KURRENTDB_URL'));

const serveOptions = (cmd: Command) =>
  addCommitmentsOption(addHttpOptions(addTimeOptions(addAuthOptions(storeOptions(cmd)))))
    .addOption(new Option('--port <port>', 'HTTP port').argParser(port).env('ONEMATTER_PORT').default(3000))
    .addOption(new Option('--host <host>', 'interface to listen on').env('ONEMATTER_HOST').default('127.0.0.1'))
    .addOption(new Option('--bus <kind>', 'message bus').choices(['memory', 'kafka']).env('ONEMATTER_BUS').default('memory'))
    .addOption(new Option('--simulate-departments', 'answer department tasks with simulated department systems').env('ONEMATTER_SIMULATE_DEPARTMENTS').default(false))
    .addOption(new Option('--simulate-delay-ms <min,max>', 'how long simulated departments take to answer, in ms').env('ONEMATTER_SIMULATE_DELAY_MS'))
    .addOption(new Option('--simulate-supplement-rate <share>', 'share of first answers that ask for a supplement (0..1)').env('ONEMATTER_SIMULATE_SUPPLEMENT_RATE'))
    .addOption(new Option('--manual-departments <ids>', 'departments the simulator leaves to people in the workbench (部门待办) or their own systems, e.g. tax (demo default: tax; none: simulate all)').env('ONEMATTER_MANUAL_DEPARTMENTS'))
    .addOption(new Option('--kafka-brokers <list>', 'Kafka bootstrap brokers, host:port,…').env('ONEMATTER_KAFKA_BROKERS'))
    .addOption(new Option('--topic-prefix <prefix>', 'prefix of the Kafka topic names (<prefix>.tasks.<department>, <prefix>.decisions, <prefix>.events)').env('ONEMATTER_TOPIC_PREFIX'))
    .addOption(new Option('--log-level <level>', 'log level').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).env('ONEMATTER_LOG_LEVEL').default('info'));

function toConfig(f: ServeFlags, extra: Partial<RuntimeConfig> = {}): RuntimeConfig {
  return {
    store: f.store,
    dataDir: resolve(f.dataDir),
    bus: f.bus,
    simulateDepartments: Boolean(f.simulateDepartments),
    ...(f.pgUrl ? { pgUrl: f.pgUrl } : {}),
    ...(f.pgSchema ? { pgSchema: f.pgSchema } : {}),
    ...(f.kurrentdbUrl ? { kurrentdbUrl: f.kurrentdbUrl } : {}),
    ...(f.kafkaBrokers ? { kafkaBrokers: f.kafkaBrokers.split(',').map((s) => s.trim()).filter(Boolean) } : {}),
    ...(f.topicPrefix ? { topics: topicsWithPrefix(f.topicPrefix) } : {}),
    dailyAnchors: true,
    ...timeConfigFrom(f),
    ...commitmentsConfigFrom(f),
    ...extra,
  };
}

/** The departments the simulator leaves to people, and how to answer them (banner). */
function manualLines(config: RuntimeConfig, demo: boolean): string[] {
  const simulated = config.simulation?.departments;
  if (!config.simulateDepartments || !simulated) return [];
  const manual = DEPARTMENTS.filter((d) => !simulated.includes(d));
  if (manual.length === 0) return [];
  const lines = manual.map((d) => {
    const account = demo ? DEMO_ACCOUNTS.find((a) => a.department === d) : undefined;
    return `    ${DEPARTMENT_NAMES[d]} (${d})${account ? `: sign in as ${account.username} / ${account.password} and decide its tasks in 部门待办` : ': decided in 部门待办 or by its own system'}`;
  });
  return ['  Left to people 由人办理 (not simulated; choose with --manual-departments, "none" simulates all):', ...lines];
}

/** A first API call that works as printed: with auth on it signs in (demo) or creates a key. */
function tryLines(url: string, f: ServeFlags, authEnabled: boolean, demo: boolean): string[] {
  const matters = `${url}/api/v1/matters`;
  if (!authEnabled) return [`  Try: curl -s ${matters}`];
  if (demo) {
    const clerk = DEMO_ACCOUNTS.find((a) => a.role === 'clerk')!;
    const jar = join(tmpdir(), 'onematter-demo.cookies');
    return [
      `  Try (signed in as the demo clerk ${clerk.username}):`,
      `    curl -s -c ${jar} -H 'content-type: application/json' -d '{"username":"${clerk.username}","password":"${clerk.password}"}' ${url}/api/v1/auth/sign-in >/dev/null && curl -s -b ${jar} ${matters}`,
    ];
  }
  const where = f.store === 'sqlite' ? ` --data-dir '${resolve(f.dataDir).replaceAll("'", "'\\''")}'` : ` --store ${f.store}`;
  return [
    `  Try (with an access key it creates${f.store === 'sqlite' ? '' : '; give keys create the same store flags as serve'}):`,
    `    KEY=$(npx onematter keys create --role clerk --name "curl"${where} | tail -1) && curl -s -H "Authorization: Bearer $KEY" ${matters}`,
  ];
}

async function serve(f: ServeFlags, extra: Partial<RuntimeConfig>, banner: boolean, demo = false): Promise<void> {
  const log = pino({ level: f.logLevel, redact: logRedaction });
  const auth = authOptionsFrom(f, log);
  const http = httpOptionsFrom(f);
  // What is open so far: a failed start closes it, so that nothing keeps the process alive.
  const opened: { runtime?: Runtime; app?: FastifyInstance } = {};
  const start = async () => {
    const runtime = (opened.runtime = await createRuntime(toConfig(f, extra), log));
    if (demo) await ensureDemoAccounts(runtime.store, runtime.clock);
    const app = (opened.app = await build(runtime, { loggerInstance: log, auth, ...http }));
    return { runtime, app, address: await app.listen({ port: f.port, host: f.host }) };
  };
  const { runtime, app, address } = await start().catch((error: unknown) => {
    if (!(error instanceof UsageError)) log.fatal({ err: error }, 'onematter failed to start');
    throw new StartFailed(error, f, async () => {
      await opened.app?.close();
      await opened.runtime?.close();
    });
  });
  if (banner) {
    const url = address.replace('://0.0.0.0', '://127.0.0.1').replace('://[::]', '://127.0.0.1');
    process.stdout.write(
      [
        '',
        `  OneMatter 一件事 is running (store: ${f.store}, bus: ${f.bus}, simulated departments: ${runtime.config.simulateDepartments ? 'on' : 'off'})`,
        `  Workbench 工作台: ${url}/`,
        `  API docs 接口文档: ${url}/api/v1/docs`,
        ...(!auth.enabled
          ? ['  !!! Authentication is OFF (--no-auth): for local development and tests only. !!!']
          : demo
            ? demoSignInLines()
            : ['  Sign in with an account, or call the API with a key from "onematter keys create".']),
        ...manualLines(runtime.config, demo),
        ...tryLines(url, f, auth.enabled, demo),
        '  Stop with Ctrl-C.',
        '',
      ].join('\n') + '\n',
    );
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    await app.close();
    await runtime.close();
    process.exit(EXIT.ok);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

/** What `onematter demo` leaves to people unless --manual-departments says otherwise. */
const DEMO_MANUAL_DEPARTMENTS = 'tax';

export function createProgram(): Command {
  const program = new Command('onematter')
    .description('OneMatter 一件事: event-sourced orchestration of bundled government services')
    .showHelpAfterError('(run with --help for usage)')
    // A command's options stop at its subcommand (`matters --data-dir d` lists, `matters deploy f --data-dir d` deploys).
    .enablePositionalOptions()
    .exitOverride();

  serveOptions(program.command('serve').description('run the API server'))
    .action(async (f: ServeFlags) => serve(f, { simulation: simulationOf(f, { delayMs: [0, 0], supplementRate: 0 }) }, true));

  serveOptions(program.command('demo').description('serve on the embedded default (SQLite in ./data, in-process bus) with simulated departments that answer within seconds'))
    .action(async (f: ServeFlags) =>
      // The tax office is left to a person by default, so tax / tax@demo has a queue to work.
      serve(
        { ...f, simulateDepartments: true },
        { simulateDepartments: true, simulation: simulationOf({ ...f, manualDepartments: f.manualDepartments ?? DEMO_MANUAL_DEPARTMENTS }, { delayMs: [1000, 4000], supplementRate: 0.1 }) },
        true,
        true,
      ),
    );

  for (const register of COMMAND_MODULES) register(program, { storeOptions, serveOptions });
  return program;
}

/** Flag sets shared by commands: every command that reads a store takes the same store flags as `serve`. */
export interface CommandKit {
  storeOptions: (cmd: Command) => Command;
  serveOptions: (cmd: Command) => Command;
}

/**
 * Further command groups (calendar, audit, department, keys, projections) live in
 * ./commands/, one file each, and are listed here.
 */
const COMMAND_MODULES: ((program: Command, kit: CommandKit) => void)[] = [
  registerMattersCommand,
  registerDepartmentCommand,
  registerProjectionsCommand,
  registerAuditCommand,
  registerCalendarCommand,
  registerKeysCommand,
  registerAccountsCommand,
];

/**
 * `serve` or `demo` could not start: what was opened is closed, one line says why on
 * stderr, and the process exits non-zero soon, whatever is left open (see main), so
 * that a supervisor (systemd, Kubernetes) restarts it.
 */
class StartFailed extends Error {
  override name = 'StartFailed';
  readonly code: number;

  constructor(
    cause: unknown,
    where: { host: string; port: number },
    readonly close: () => Promise<void>,
  ) {
    const e = cause as NodeJS.ErrnoException & { address?: string; port?: number };
    const at = `${e.address ?? where.host}:${e.port ?? where.port}`;
    const listen: Record<string, string> = {
      EADDRINUSE: `cannot listen on ${at}: address already in use (EADDRINUSE); choose another --port`,
      EACCES: `cannot listen on ${at}: permission denied (EACCES); choose a port above 1023 or run with the right to bind it`,
      EADDRNOTAVAIL: `cannot listen on ${at}: the address is not on this machine (EADDRNOTAVAIL); choose another --host`,
    };
    const line =
      cause instanceof UsageError
        ? cause.message
        : e.syscall === 'listen' && e.code && listen[e.code]
          ? listen[e.code]!
          : `failed to start: ${oneLine(e.message ?? String(cause))}${e.code ? ` (${e.code})` : ''}`;
    super(line, { cause });
    this.code = cause instanceof UsageError || (e.syscall === 'listen' && e.code && listen[e.code]) ? EXIT.usage : EXIT.failed;
  }
}

const oneLine = (text: string) => text.replace(/\s*\n\s*/g, ' ').trim();

/** How long a failed start may take to close what it opened before the process exits anyway. */
const START_FAILURE_CLOSE_MS = 5_000;

/** Runs the CLI; resolves with the exit code (long-running commands never resolve). */
export async function main(argv: string[]): Promise<number> {
  const program = createProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return EXIT.ok;
      return EXIT.usage;
    }
    if (error instanceof StartFailed) {
      process.stderr.write(`onematter: ${error.message}\n`);
      process.exitCode = error.code;
      await Promise.race([error.close().catch(() => undefined), new Promise((done) => setTimeout(done, START_FAILURE_CLOSE_MS).unref())]);
      // Whatever is still open (a client reconnecting, a worker) must not keep a failed server alive:
      // the process exits on its own when nothing is left, or here, a moment later.
      setTimeout(() => process.exit(error.code), 1_000).unref();
      return error.code;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`onematter: ${error.message}\n`);
      return EXIT.usage;
    }
    if (error instanceof CheckFailed) {
      if (error.message) process.stderr.write(`onematter: ${error.message}\n`);
      return EXIT.failed;
    }
    const e = error as NodeJS.ErrnoException;
    process.stderr.write(`onematter: ${e.stack ?? String(error)}\n`);
    return EXIT.failed;
  }
}
