import {
  CaseListProjection,
  EventFeed,
  InProcessBus,
  KafkaBus,
  OutboxRelay,
  openStore,
  startDecisionConsumer,
  startSimulatedDepartments,
} from '@onematter/adapters';
import {
  CommandHandler,
  DEFAULT_TOPICS,
  type Bus,
  type Clock,
  type EventStore,
  type MatterCatalogue,
  type Subscription,
  type Topics,
} from '@onematter/engine';
import { defaultCatalogue } from '@onematter/workflows';
import type { Logger } from 'pino';
import { createMetrics, type Metrics } from './metrics.js';

export interface RuntimeConfig {
  store: 'memory' | 'sqlite' | 'postgres' | 'kurrentdb';
  dataDir: string;
  pgUrl?: string;
  pgSchema?: string;
  kurrentdbUrl?: string;
  bus: 'memory' | 'kafka';
  kafkaBrokers?: string[];
  simulateDepartments: boolean;
  simulation?: { delayMs?: [number, number]; supplementRate?: number; rejectionRate?: number };
  clock?: Clock;
  catalogue?: MatterCatalogue;
  topics?: Topics;
}

export interface Runtime {
  config: RuntimeConfig;
  store: EventStore;
  bus: Bus;
  catalogue: MatterCatalogue;
  topics: Topics;
  clock: Clock;
  handler: CommandHandler;
  relay: OutboxRelay;
  eventFeed: EventFeed;
  caseList: CaseListProjection;
  metrics: Metrics;
  close(): Promise<void>;
}

export const systemClock: Clock = { now: () => new Date() };

/**
 * Wires the adapters chosen by configuration around the engine. Start order
 * matters: subscribers first, then the relay, so that nothing the relay
 * publishes at boot (rows left by a crash) falls on an empty topic.
 */
export async function createRuntime(config: RuntimeConfig, log: Logger): Promise<Runtime> {
  const catalogue = config.catalogue ?? defaultCatalogue();
  const topics = config.topics ?? DEFAULT_TOPICS;
  const clock = config.clock ?? systemClock;
  const store = await openConfiguredStore(config);
  const metrics = createMetrics();
  const bus = await openConfiguredBus(config, log);

  const handler = new CommandHandler({
    store,
    catalogue,
    clock,
    topics,
    observe: (o) => {
      metrics.commands.inc({ command: o.command, outcome: o.outcome });
      if (o.appendMs !== undefined) metrics.appendSeconds.observe(o.appendMs / 1000);
      if (o.outcome === 'ok') {
        relay.notify();
        eventFeed.notify();
      }
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
    pollIntervalMs: 100,
    ...(bus instanceof InProcessBus ? { hasListeners: () => bus.hasSubscribers(topics.events) } : {}),
    onError: (error) => log.error({ err: error }, 'event feed: publish failed, will retry'),
  });
  const caseList = new CaseListProjection(store);
  metrics.observeRuntime({ relay, caseList });

  const subscriptions: Subscription[] = [];
  subscriptions.push(await startDecisionConsumer({ bus, topics, handler, log }));
  let simulation: { close(): Promise<void> } | undefined;
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
    });
  }
  relay.start();
  await eventFeed.start();

  return {
    config,
    store,
    bus,
    catalogue,
    topics,
    clock,
    handler,
    relay,
    eventFeed,
    caseList,
    metrics,
    close: async () => {
      abort.abort();
      await relay.stop();
      await eventFeed.stop();
      await simulation?.close();
      for (const s of subscriptions) await s.close();
      await bus.close();
      await store.close();
    },
  };
}

async function openConfiguredStore(config: RuntimeConfig): Promise<EventStore> {
  switch (config.store) {
    case 'memory':
      return openStore({ kind: 'memory' });
    case 'sqlite':
      return openStore({ kind: 'sqlite', dataDir: config.dataDir });
    case 'postgres':
      if (!config.pgUrl) throw new UsageError('--store postgres needs --pg-url (or ONEMATTER_PG_URL)');
      return openStore({ kind: 'postgres', url: config.pgUrl, ...(config.pgSchema ? { schema: config.pgSchema } : {}) });
    case 'kurrentdb':
      throw new UsageError('--store kurrentdb is not available in this build yet; use sqlite, memory or postgres');
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
        onError: (error, m) => log.warn({ err: error, topic: m?.topic, key: m?.key }, 'kafka delivery failed, retrying'),
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
