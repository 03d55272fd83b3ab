import { startTriggeredCases, triggerTopics } from './routes/triggers.js';
import {
  CaseListProjection,
  EventFeed,
  LogFollower,
  InProcessBus,
  KafkaBus,
  OutboxRelay,
  openStore,
  trackAppends,
  type Store,
  startDecisionConsumer,
  startSimulatedDepartments,
} from '@onematter/adapters';
import {
  CaseSnapshots,
  CommandHandler,
  DEFAULT_TOPICS,
  withCommitments,
  type Bus,
  type Commitments,
  type Clock,
  type EventStore,
  type MatterCatalogue,
  type Subscription,
  type Topics,
  type WorkingCalendar,
} from '@onematter/engine';
import { defaultCatalogue } from '@onematter/workflows';
import type { Logger } from 'pino';
import { createMetrics, type Metrics } from './metrics.js';
import type { ConsumerHealth } from './health.js';
import { startAnchorJob } from './audit/anchorJob.js';
import { MatterBook } from './matters/book.js';
import { createTimeLimits, type TimeLimits, type TimeLimitsConfig } from './timeLimits.js';

export interface RuntimeConfig {
  store: 'memory' | 'sqlite' | 'postgres' | 'kurrentdb';
  dataDir: string;
  pgUrl?: string;
  pgSchema?: string;
  kurrentdbUrl?: string;
  bus: 'memory' | 'kafka';
  kafkaBrokers?: string[];
  simulateDepartments: boolean;
  /** `departments`: which departments the simulator answers for (default all; the rest are left to people or systems). */
  simulation?: { delayMs?: [number, number]; supplementRate?: number; rejectionRate?: number; departments?: readonly string[] };
  clock?: Clock;
  catalogue?: MatterCatalogue;
  /** A service centre's own 承诺时限 per matter and step (--commitments); statutory limits stay the law's. */
  commitments?: Commitments;
  topics?: Topics;
  /** The working-day calendar (default: the built-in Chinese one; the CLI extends it with --calendar-file). */
  calendar?: WorkingCalendar;
  timeLimits?: TimeLimitsConfig;
  /** Record the daily audit anchor from this process (audit/anchorJob.ts); `serve` and `demo` turn it on. */
  dailyAnchors?: boolean;
  /** A case snapshot every this many events, for replays of long cases (default 1,000). */
  snapshotEvery?: number;
}

export interface Runtime {
  config: RuntimeConfig;
  /** The event store, with its read models. */
  store: Store;
  bus: Bus;
  /** The live catalogue: built-in matters and those deployed in `$matters`. */
  catalogue: MatterCatalogue;
  /** Deploys, retires and reads the matters recorded in the store. */
  matters: MatterBook;
  topics: Topics;
  clock: Clock;
  handler: CommandHandler;
  /** Case snapshots, which replays of long cases start from. */
  snapshots: CaseSnapshots;
  relay: OutboxRelay;
  eventFeed: EventFeed;
  caseList: CaseListProjection;
  metrics: Metrics;
  /** Calendar, clocks, the durable timer scheduler and supervision (timeLimits.ts). */
  timeLimits: TimeLimits;
  /** The bus consumers this process runs (the decision consumer, simulated departments), and how they do. */
  consumers(): ConsumerHealth[];
  /** True from the end of createRuntime until close() begins. */
  readonly started: boolean;
  close(): Promise<void>;
}

export const systemClock: Clock = { now: () => new Date() };

/**
 * Wires the adapters chosen by configuration around the engine. Start order
 * matters: subscribers first, then the relay, so that nothing the relay
 * publishes at boot (rows left by a crash) falls on an empty topic.
 */
export async function createRuntime(config: RuntimeConfig, log: Logger): Promise<Runtime> {
  const base = config.catalogue ?? defaultCatalogue();
  // Commitments that do not apply to the built-in matters stop the start (the CLI checked them first).
  if (config.commitments) withCommitments(base, config.commitments);
  const topics = config.topics ?? DEFAULT_TOPICS;
  const clock = config.clock ?? systemClock;
  const store = await openConfiguredStore(config);
  /** Set once the bus is open (below): follows the trigger topics of the catalogue. */
  let followTriggers: (() => void) | undefined;
  // The built-in matters and those deployed into the store ($matters), read again every poll.
  const matters = new MatterBook(store, {
    base,
    ...(config.commitments ? { commitments: config.commitments } : {}),
    now: () => clock.now(),
    onProblem: (message) => log.error(message),
    // 免申即办: a deployed matter may listen to a new trigger topic.
    onChange: () => followTriggers?.(),
  });
  try {
    await matters.refresh();
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
  const catalogue = matters.catalogue;
  const metrics = createMetrics();
  const bus = await openConfiguredBus(config, log).catch(async (error: unknown) => {
    // A store left open (a PostgreSQL pool) would keep a process that failed to start alive.
    await store.close().catch(() => undefined);
    throw error;
  });

  // One log follower: reads each batch once for the event feed, the case list and the clocks (logFollower.ts).
  const follower = new LogFollower({ store, pollIntervalMs: 100, onError: (error, name) => log.error({ err: error, follower: name }, 'log follower: will retry') });
  const timeLimits = createTimeLimits({ store, catalogue, clock, follower, ...(config.calendar ? { calendar: config.calendar } : {}), ...(config.timeLimits ? { config: config.timeLimits } : {}) }, log);
  // The handler's appends are tracked: the case list catches up to them before a query.
  // Each append's outbox rows go to the relay as they are (with the ids the store gave
  // them), so it does not read back and parse what this process has just written.
  const appends = trackAppends(store, (request, result) => {
    const outbox = request.outbox;
    if (!outbox || outbox.length === 0) return;
    const ids = result.outboxIds;
    if (!ids || ids.length !== outbox.length) return relay.notify();
    relay.offer(outbox.map((m, i) => ({ id: ids[i]!, topic: m.topic, key: m.key, headers: m.headers, value: m.value })));
  });
  const snapshots = new CaseSnapshots(store.readModels, config.snapshotEvery);
  const handler = new CommandHandler({
    snapshots,
    dueAtOf: timeLimits.dueAtOf,
    store: appends.store,
    catalogue,
    clock,
    topics,
    observe: (o) => {
      metrics.commands.inc({ command: o.command, outcome: o.outcome });
      if (o.appendMs !== undefined) metrics.appendSeconds.observe(o.appendMs / 1000);
      // The relay hears of outbox rows from the append itself (above).
      if (o.outcome === 'ok') eventFeed.notify();
    },
  });
  const relay = new OutboxRelay({
    store,
    bus,
    mode: config.bus === 'memory' ? 'concurrent' : 'ordered',
    pollIntervalMs: 100,
    onError: (error) => log.error({ err: error }, 'outbox relay: publish failed, will retry'),
  });
  const eventFeed = new EventFeed({
    store,
    bus,
    topics,
    follower,
    // Kafka is shared by every engine process on the store: one of them publishes the feed.
    leaderElection: config.bus === 'kafka',
    ...(bus instanceof InProcessBus ? { hasListeners: () => bus.hasSubscribers(topics.events) } : {}),
    onError: (error) => log.error({ err: error }, 'event feed: publish failed, will retry'),
  });
  const caseList = new CaseListProjection({
    store,
    readModels: store.readModels,
    lastAppended: appends.lastAppended,
    follower,
    onError: (error) => log.error({ err: error }, 'case list projection: catch-up failed, will retry'),
  });
  const consumers = (): ConsumerHealth[] => [
    ...(decisions.status ? [{ name: 'decisions', ...decisions.status() }] : []),
    ...(simulation?.status().map(({ department, ...s }) => ({ name: `department:${department}`, ...s })) ?? []),
  ];
  metrics.observeRuntime({ relay, caseList, consumers });

  const decisions = await startDecisionConsumer({
    bus,
    topics,
    handler,
    log,
    onDeadLetter: (kind) => metrics.deadLetters.inc({ kind }),
  });
  const subscriptions: Subscription[] = [decisions];
  // 免申即办: the data events that start cases by themselves (one case per event, redelivery a no-op).
  // In the background: joining a consumer group must not hold up the engine's start. The group
  // is named after this deployment's topics, so engines on other topics do not share it. A
  // matter deployed later with a new trigger topic is followed from the next catalogue refresh.
  let triggerTopicsNow: string[] = [];
  let triggerSubscription: Promise<Subscription | undefined> | undefined;
  followTriggers = (): void => {
    const wanted = triggerTopics(catalogue).sort();
    if (wanted.join('\n') === triggerTopicsNow.join('\n')) return;
    triggerTopicsNow = wanted;
    const previous = triggerSubscription;
    triggerSubscription = (async () => {
      await (await previous)?.close();
      if (wanted.length === 0) return undefined;
      return bus
        .subscribe(
          wanted,
          async (m) => {
            if (m.headers['value-encoding'] === 'raw') return void log.warn({ topic: m.topic, key: m.key }, 'trigger event is not JSON: skipped');
            const r = await startTriggeredCases({ catalogue, handler }, m.topic, m.value, 'system:trigger');
            if (!('problem' in r)) return;
            // An event that can never start a case is logged and skipped; anything else is retried.
            if (r.problem.kind === 'Invalid') return void log.warn({ topic: m.topic, key: m.key, problem: r.problem }, 'trigger event cannot start a case: skipped');
            throw new Error(`trigger on ${m.topic}: ${r.problem.message}`);
          },
          { group: `onematter-triggers:${topics.events}` },
        )
        .catch((error: unknown) => {
          log.error({ err: error, topics: wanted }, 'trigger consumer: could not subscribe; 免申即办 events wait until the next start');
          return undefined;
        });
    })();
  };
  followTriggers();
  let simulation: Awaited<ReturnType<typeof startSimulatedDepartments>> | undefined;
  const abort = new AbortController();
  if (config.simulateDepartments) {
    simulation = await startSimulatedDepartments({
      bus,
      topics,
      catalogue,
      signal: abort.signal,
      ...(config.simulation?.delayMs ? { delayMs: config.simulation.delayMs } : {}),
      ...(config.simulation?.supplementRate !== undefined ? { supplementRate: config.simulation.supplementRate } : {}),
      ...(config.simulation?.rejectionRate !== undefined ? { rejectionRate: config.simulation.rejectionRate } : {}),
      ...(config.simulation?.departments ? { departments: config.simulation.departments } : {}),
    });
  }
  const mattersPoll = setInterval(() => {
    matters.refresh().then(
      (changed) => {
        if (changed) log.info({ matters: catalogue.list().length }, 'matters deployed or retired in the store: now served');
      },
      (error: unknown) => log.error({ err: error }, 'matters: could not read $matters, will retry'),
    );
  }, config.timeLimits?.pollIntervalMs ?? 1000);
  mattersPoll.unref();
  relay.start();
  await eventFeed.start();
  caseList.start();
  follower.start();
  await timeLimits.start(handler);
  const anchorJob = config.dailyAnchors ? startAnchorJob({ store, clock, log }) : undefined;
  let started = true;

  return {
    config,
    store,
    bus,
    catalogue,
    matters,
    topics,
    clock,
    handler,
    snapshots,
    relay,
    eventFeed,
    caseList,
    metrics,
    timeLimits,
    consumers,
    get started() {
      return started;
    },
    close: async () => {
      started = false;
      clearInterval(mattersPoll);
      await timeLimits.stop();
      await anchorJob?.stop();
      abort.abort();
      await relay.stop();
      await eventFeed.stop();
      await caseList.stop();
      await follower.stop();
      await simulation?.close();
      for (const s of subscriptions) await s.close();
      // No trigger subscription after this: a refresh still in flight must not open one.
      followTriggers = undefined;
      await (await triggerSubscription)?.close();
      await bus.close();
      await store.close();
      // The default metrics' GC observer lives as long as the process and holds the registry:
      // emptied, the registry no longer holds this runtime (its gauges read the relay, the case list...).
      metrics.registry.clear();
    },
  };
}

/** Opens the store the configuration names (also for CLI commands that need only the store). */
export async function openConfiguredStore(config: Pick<RuntimeConfig, 'store' | 'dataDir' | 'pgUrl' | 'pgSchema' | 'kurrentdbUrl'>): Promise<Store> {
  switch (config.store) {
    case 'memory':
      return openStore({ kind: 'memory' });
    case 'sqlite':
      return openStore({ kind: 'sqlite', dataDir: config.dataDir });
    case 'postgres':
      if (!config.pgUrl) throw new UsageError('--store postgres needs --pg-url (or ONEMATTER_PG_URL)');
      return openStore({ kind: 'postgres', url: config.pgUrl, ...(config.pgSchema ? { schema: config.pgSchema } : {}) });
    case 'kurrentdb':
      if (!config.kurrentdbUrl) throw new UsageError('--store kurrentdb needs --kurrentdb-url (or ONEMATTER_KURRENTDB_URL), e.g. kurrentdb://127.0.0.1:2113?tls=false');
      return openStore({ kind: 'kurrentdb', url: config.kurrentdbUrl });
  }
}

async function openConfiguredBus(config: RuntimeConfig, log: Logger): Promise<Bus> {
  switch (config.bus) {
    case 'memory':
      return new InProcessBus({ onError: (error, m) => log.warn({ err: error, topic: m.topic, key: m.key }, 'in-process delivery failed, retrying') });
    case 'kafka': {
      if (!config.kafkaBrokers?.length) throw new UsageError('--bus kafka needs --kafka-brokers host:port');
      const bus = new KafkaBus({
        brokers: config.kafkaBrokers,
        topics: config.topics ?? DEFAULT_TOPICS,
        logger: log,
        // Offsets committed once a second, not after every batch: a commit per batch was a
        // broker round trip that held up the partition's next fetch. A crash redelivers up
        // to a second more, which the engine's consumers dedupe (decisionId, event-id).
        commitIntervalMs: 1_000,
        onError: (error, m) =>
          m ? log.warn({ err: error, topic: m.topic, key: m.key }, 'kafka delivery failed, retrying') : log.warn({ err: error }, 'kafka consumer error (a crashed consumer is started again)'),
      });
      await bus.init();
      return bus;
    }
  }
}

/** A configuration mistake: the CLI prints it and exits with code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A check that found a problem (e.g. `audit verify`): the command has printed its findings; the CLI exits with code 1. */
export class CheckFailed extends Error {
  override name = 'CheckFailed';
}
