import { KafkaBus, startSimulatedDepartments } from '@onematter/adapters';
import { DEPARTMENT_NAMES, DEPARTMENTS, topicsWithPrefix, type DepartmentId } from '@onematter/engine';
import { defaultCatalogue } from '@onematter/workflows';
import { InvalidArgumentError, Option, type Command } from 'commander';
import pino from 'pino';
import type { CommandKit } from '../cli.js';
import { MatterBook } from '../matters/book.js';
import { systemClock, UsageError } from '../runtime.js';
import { openStoreOf, storeFlagGiven, type StoreFlags } from './keys.js';

interface DepartmentFlags extends StoreFlags {
  simulate?: boolean;
  kafkaBrokers: string;
  topicPrefix: string;
  delayMs: [number, number];
  supplementRate: number;
  rejectionRate: number;
  logLevel: string;
}

/** `--delay-ms 500` or `--delay-ms 200,2000` (a random delay in that range). */
const delayRange = (v: string): [number, number] => {
  const parts = v.split(',').map((p) => Number(p.trim()));
  const ok = parts.length >= 1 && parts.length <= 2 && parts.every((n) => Number.isFinite(n) && n >= 0);
  if (!ok) throw new InvalidArgumentError('milliseconds: a number, or min,max');
  return [parts[0]!, parts[1] ?? parts[0]!];
};

const share = (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError('a share from 0 to 1');
  return n;
};

/**
 * `onematter department <id> --simulate`: one simulated department system as its own
 * process against the broker, the way a real one runs: its consumer group takes the
 * department's tasks and answers on the department's own decision topic. Real department systems bring
 * their own code (a plain Kafka client, or the SDK): see docs/departments.md.
 */
export function registerDepartmentCommand(program: Command, kit: CommandKit): void {
  kit
    .storeOptions(program.command('department'))
    .description('run one department system against the Kafka broker (built in: --simulate)')
    .argument('<id>', `department id: ${DEPARTMENTS.join(', ')}`)
    .option('--simulate', 'answer tasks like the simulated departments (mostly approve, with realistic outputs); with store flags (--data-dir, --store, --pg-url, …), also the steps of the matters deployed into that store, from their outputExample')
    .addOption(new Option('--kafka-brokers <list>', 'Kafka bootstrap brokers, host:port,…').env('ONEMATTER_KAFKA_BROKERS').default('127.0.0.1:9092'))
    .addOption(new Option('--topic-prefix <prefix>', 'topic names are <prefix>.tasks.<id>, <prefix>.decisions.<id>, …').env('ONEMATTER_TOPIC_PREFIX').default('onematter'))
    .addOption(new Option('--delay-ms <ms>', 'answer after this delay, or a random one in min,max').argParser(delayRange).default([0, 0], '0'))
    .addOption(new Option('--supplement-rate <share>', 'share of first attempts answered with a supplement request').argParser(share).default(0))
    .addOption(new Option('--rejection-rate <share>', 'share of first attempts rejected').argParser(share).default(0))
    .addOption(new Option('--log-level <level>', 'log level').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).env('ONEMATTER_LOG_LEVEL').default('info'))
    .action(async (id: string, f: DepartmentFlags, cmd: Command) => {
      if (!(DEPARTMENTS as readonly string[]).includes(id)) {
        throw new UsageError(`unknown department "${id}"; use one of: ${DEPARTMENTS.join(', ')}`);
      }
      if (!f.simulate) {
        throw new UsageError(
          `only simulated departments are built in: run "onematter department ${id} --simulate". ` +
            'A real department system connects with its own Kafka client or the department SDK; ' +
            'see the README section "For department systems" (docs/departments.md).',
        );
      }
      const brokers = f.kafkaBrokers.split(',').map((s) => s.trim()).filter(Boolean);
      if (brokers.length === 0) throw new UsageError('--kafka-brokers needs host:port');
      const log = pino({ level: f.logLevel });
      const topics = topicsWithPrefix(f.topicPrefix);
      const bus = new KafkaBus({
        brokers,
        topics,
        clientId: `onematter-department-${id}`,
        logger: log,
        onError: (error, m) => log.warn({ err: error, topic: m?.topic, key: m?.key }, 'task failed, retrying'),
      });
      // With store flags, the matters deployed into the store too (`$matters`), read as they come.
      const matters = storeFlagGiven(cmd) ? await deployedMatters(f, log) : undefined;
      // Its own topics only: seven departments starting at once need not each create all of them.
      await bus.init([topics.tasks(id), topics.decisionsFrom(id)]);
      const simulation = await startSimulatedDepartments({
        bus,
        topics,
        catalogue: matters?.book.catalogue ?? defaultCatalogue(),
        ...(matters ? { refresh: matters.refresh } : {}),
        departments: [id],
        delayMs: f.delayMs,
        supplementRate: f.supplementRate,
        rejectionRate: f.rejectionRate,
      });
      log.info({ department: id, brokers, tasks: topics.tasks(id), decisions: topics.decisionsFrom(id), deployedMatters: matters !== undefined }, 'department ready');
      process.stdout.write(
        `department ${id} (${DEPARTMENT_NAMES[id as DepartmentId]}, simulated) is taking tasks from ${topics.tasks(id)} and answering on ${topics.decisionsFrom(id)}; stop with Ctrl-C\n`,
      );

      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        log.info({ signal }, 'department shutting down: finishing tasks in flight');
        await simulation.close();
        await bus.close();
        await matters?.close();
        process.exit(0);
      };
      process.on('SIGINT', () => void stop('SIGINT'));
      process.on('SIGTERM', () => void stop('SIGTERM'));
    });
}

/** The built-in matters and those deployed into the store, re-read every second like a server's. */
async function deployedMatters(f: StoreFlags, log: pino.Logger): Promise<{ book: MatterBook; refresh(): Promise<unknown>; close(): Promise<void> }> {
  const store = await openStoreOf(f);
  const book = new MatterBook(store, { base: defaultCatalogue(), now: () => systemClock.now(), onProblem: (m) => log.warn(m) });
  await book.refresh();
  // One read at a time: the timer's and a task's (for a version not seen yet) never overlap.
  let reading: Promise<unknown> = Promise.resolve();
  const refresh = () => (reading = reading.then(() => book.refresh()).catch((error: unknown) => log.warn({ err: error }, 'matters: cannot read $matters')));
  const timer = setInterval(() => void refresh(), 1000);
  timer.unref();
  return {
    book,
    refresh,
    close: async () => {
      clearInterval(timer);
      await reading;
      await store.close();
    },
  };
}
