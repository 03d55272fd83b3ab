import { randomUUID } from 'node:crypto';
import {
  Kafka,
  Partitioners,
  logLevel as KafkaLogLevel,
  type Consumer,
  type EachBatchPayload,
  type KafkaMessage,
  type LogEntry,
  type Message,
  type Producer,
} from 'kafkajs';
import { describeError } from './errors.js';
import {
  DEFAULT_TOPICS,
  type Bus,
  type BusMessage,
  type ConsumerStatus,
  type MessageHandler,
  type StuckMessage,
  type Subscription,
  type Topics,
} from './types.js';

/**
 * Header that marks a value which is not JSON. A consumed message whose bytes do not
 * parse is delivered with `value` = its raw text and this header set to `raw`; a
 * published message with this header and a string value is sent as those bytes, so
 * a poison message reaches the dead-letter topic unchanged.
 */
export const VALUE_ENCODING_HEADER = 'value-encoding';

/** Where kafkajs's own log lines go (a pino logger fits). */
export interface KafkaBusLogger {
  error(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

export type KafkaBusLogLevel = 'nothing' | 'error' | 'warn' | 'info' | 'debug';

export interface KafkaBusOptions {
  /** Bootstrap brokers, `host:port`. */
  brokers: string[];
  clientId?: string;
  /** Partitions of the topics `init()` creates. Default 3. */
  partitions?: number;
  /** Topic names (a deployment may prefix them). Default: the contract names, `onematter.*`. */
  topics?: Topics;
  /** The departments whose task and decision topics `init()` creates by default. Default none (the engine passes all of its own). */
  departments?: readonly string[];
  /** kafkajs log level. Default 'error' (a broker restart logs connection errors at that level). */
  logLevel?: KafkaBusLogLevel;
  /** Receives kafkajs's log lines; default: kafkajs's console logger. */
  logger?: KafkaBusLogger;
  /**
   * The Kafka consumer group of a subscription. Default `<group>@<topic>`: one Kafka
   * group per (group, topic), like the in-process bus, so two subscriptions that share
   * a group name on different topics (or two deployments with different topic prefixes)
   * never join the same Kafka group.
   */
  groupId?: (group: string, topic: string) => string;
  /** Delay before a failed handler gets its message again, doubling up to maxRetryDelayMs. Default 100. */
  retryDelayMs?: number;
  /** Default 5,000. */
  maxRetryDelayMs?: number;
  /** Handlers running at once per subscription (messages of one key always run one after another). Default 256. */
  maxInFlight?: number;
  /** Largest produce request (sum of value sizes); bigger publishes are sent in several requests, in order. Default 512 KiB. */
  maxRequestBytes?: number;
  /** Consumer session timeout (ms): how soon a dead member's partitions move to another. Default 10,000. */
  sessionTimeoutMs?: number;
  /** Consumer heartbeat interval (ms). Default 1,000. */
  heartbeatIntervalMs?: number;
  /**
   * How often handled offsets are committed (ms). 0 commits after every batch; more
   * saves broker requests under load: a crash then redelivers up to this much more,
   * which at-least-once consumers tolerate. Offsets of handled messages only, either way.
   * Default 0.
   */
  commitIntervalMs?: number;
  /** A fetch waits for this many bytes (or fetchMaxWaitMs). Default 1: deliver at once. */
  fetchMinBytes?: number;
  /** Longest a fetch waits for fetchMinBytes (ms). Default 500. */
  fetchMaxWaitMs?: number;
  /** A message whose handler failed this many times in a row is reported stuck in the subscription's status (and still retried). Default 5. */
  stuckAfterAttempts?: number;
  /** A joined consumer with no message in hand and no fetch for this long is reported `stalled`. Default 15,000. */
  stallAfterMs?: number;
  /** First delay before a crashed consumer is started again, doubling up to maxRestartDelayMs. Default 1,000. */
  restartDelayMs?: number;
  /** Default 30,000. */
  maxRestartDelayMs?: number;
  /** Called when a handler throws (it is retried), a commit fails, or a consumer crashes (it is restarted). */
  onError?: (error: unknown, message?: BusMessage) => void;
}

const LEVELS: Record<KafkaBusLogLevel, KafkaLogLevel> = {
  nothing: KafkaLogLevel.NOTHING,
  error: KafkaLogLevel.ERROR,
  warn: KafkaLogLevel.WARN,
  info: KafkaLogLevel.INFO,
  debug: KafkaLogLevel.DEBUG,
};

interface Pending {
  messages: Message[];
  topics: string[];
  bytes: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * The Bus over Apache Kafka (kafkajs), with the semantics of the in-process bus:
 *
 * - `publish` sends in order through an idempotent producer (`acks: -1`, one request
 *   in flight) and resolves only when the broker acknowledged every message. Calls made
 *   while a request is in flight are sent together in the next one (like the Java
 *   client's linger), in call order. After a failed send the producer is replaced by a
 *   new one (a new producer id): kafkajs does not advance its sequence numbers for a
 *   request that failed, so reusing it could make the broker drop later messages as
 *   "duplicates" of a request it did write. The caller retries; the broker may then hold
 *   a message twice, which at-least-once allows (consumers dedupe by event-id/decisionId).
 * - `subscribe` runs one consumer per subscription, `autoCommit: false`. Messages of one
 *   partition with the same key are handled one after another in offset order; different
 *   keys run concurrently. An offset is committed only when it and every message before it
 *   in the partition were handled (at least once). A handler that throws gets the same
 *   message again after a backoff, in process, and nothing after it with the same key
 *   runs meanwhile; after `stuckAfterAttempts` failures the subscription's `status()`
 *   reports it stuck, and the retries go on (handlers throw only for transient failures,
 *   and dead-letter what no retry can fix). A value that is not JSON never blocks: it is
 *   delivered as raw text with the `value-encoding: raw` header, for the handler to
 *   dead-letter. Every delivered message carries its bytes as `raw`, so a dead letter is
 *   forwarded unchanged.
 * - A consumer that crashes is started again with backoff until the subscription closes;
 *   `status()` says whether it runs, and why not.
 * - A new group starts at the earliest offset: tasks published before a department
 *   first connected are not lost. Subscriptions without a group get a fresh group that
 *   starts at the latest offset.
 */
export class KafkaBus implements Bus {
  readonly topics: Topics;
  private readonly kafka: Kafka;
  private readonly o: KafkaBusOptions;
  private producer?: Producer;
  private readonly queue: Pending[] = [];
  private flushing?: Promise<void>;
  private readonly subscriptions = new Set<KafkaSubscription>();
  private closed = false;

  constructor(options: KafkaBusOptions) {
    this.o = options;
    this.topics = options.topics ?? DEFAULT_TOPICS;
    const logger = options.logger;
    this.kafka = new Kafka({
      clientId: options.clientId ?? 'onematter',
      brokers: options.brokers,
      logLevel: LEVELS[options.logLevel ?? 'error'],
      connectionTimeout: 3_000,
      retry: { initialRetryTime: 200, maxRetryTime: 3_000, retries: 8 },
      ...(logger
        ? {
            logCreator: () => (entry: LogEntry) => {
              const { message, ...rest } = entry.log;
              const obj = { namespace: entry.namespace, ...rest };
              if (entry.level <= KafkaLogLevel.ERROR) logger.error(obj, `kafka: ${message}`);
              else if (entry.level === KafkaLogLevel.WARN) logger.warn(obj, `kafka: ${message}`);
              else if (entry.level === KafkaLogLevel.INFO) logger.info(obj, `kafka: ${message}`);
              else logger.debug(obj, `kafka: ${message}`);
            },
          }
        : {}),
    });
  }

  /** The topics this deployment uses: a task topic and a decision topic per department, the shared decisions topic, its dead letters, events. */
  contractTopics(): string[] {
    return [
      ...(this.o.departments ?? []).map((d) => this.topics.tasks(d)),
      ...(this.o.departments ?? []).map((d) => this.topics.decisionsFrom(d)),
      this.topics.decisions,
      this.topics.decisionsDlq,
      this.topics.events,
    ];
  }

  /**
   * Creates the topics that are missing (default: all of the contract's), with the
   * configured partition count. Safe from two processes. A department system passes only
   * its own two.
   */
  async init(topics: readonly string[] = this.contractTopics()): Promise<void> {
    try {
      await this.ensureTopics([...topics]);
    } catch (error) {
      throw new Error(`Kafka at ${this.o.brokers.join(',')}: cannot create the topics: ${(error as Error).message}`, { cause: error });
    }
  }

  private readonly knownTopics = new Set<string>();

  private async ensureTopics(topics: string[]): Promise<void> {
    const unknown = topics.filter((t) => !this.knownTopics.has(t));
    if (unknown.length === 0) return;
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      for (let attempt = 1; ; attempt++) {
        try {
          const existing = new Set(await admin.listTopics());
          const missing = unknown.filter((t) => !existing.has(t));
          if (missing.length > 0) {
            // Resolves false (no throw) for topics another process created meanwhile.
            await admin.createTopics({ topics: missing.map((topic) => ({ topic, numPartitions: this.o.partitions ?? 3 })), waitForLeaders: true });
          }
          break;
        } catch (error) {
          // A busy broker may not know a topic it has just created yet (UNKNOWN_TOPIC_OR_PARTITION): look again.
          if ((error as { retriable?: boolean }).retriable !== true || attempt >= 10) throw error;
          await new Promise((r) => setTimeout(r, 200 * attempt));
        }
      }
      for (const t of unknown) this.knownTopics.add(t);
    } finally {
      await admin.disconnect().catch(() => {});
    }
  }

  async publish(messages: readonly BusMessage[]): Promise<void> {
    if (this.closed) throw new Error('bus is closed');
    if (messages.length === 0) return;
    const encoded = messages.map(encode);
    const bytes = encoded.reduce((n, m) => n + (m.value?.length ?? 0) + 64, 0);
    await new Promise<void>((resolve, reject) => {
      this.queue.push({ messages: encoded, topics: messages.map((m) => m.topic), bytes, resolve, reject });
      if (!this.flushing) this.flushing = this.flush();
    });
  }

  /** Sends queued calls, several per request, one request at a time, in call order. */
  private async flush(): Promise<void> {
    // Let the calls of this turn of the event loop join the first request.
    await new Promise((r) => setImmediate(r));
    const limit = this.o.maxRequestBytes ?? 512 * 1024;
    while (this.queue.length > 0) {
      const calls: Pending[] = [];
      let bytes = 0;
      while (this.queue.length > 0 && (calls.length === 0 || bytes + this.queue[0]!.bytes <= limit)) {
        const call = this.queue.shift()!;
        bytes += call.bytes;
        calls.push(call);
      }
      try {
        const producer = await this.connectedProducer();
        for (const request of requests(calls, limit)) {
          await producer.sendBatch({ topicMessages: request, acks: -1 });
        }
        for (const c of calls) c.resolve();
      } catch (error) {
        this.discardProducer();
        for (const c of calls) c.reject(error);
      }
    }
    this.flushing = undefined;
  }

  private async connectedProducer(): Promise<Producer> {
    if (this.producer) return this.producer;
    const producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
      // Bounded, unlike kafkajs's default for idempotent producers (forever): a send
      // fails after ~20 s without a broker, the caller (relay, worker) retries later
      // with a fresh producer, and close() never hangs on a dead broker.
      retry: { initialRetryTime: 200, maxRetryTime: 3_000, retries: 8 },
    });
    try {
      await producer.connect();
    } catch (error) {
      await producer.disconnect().catch(() => {});
      throw error;
    }
    this.producer = producer;
    return producer;
  }

  private discardProducer(): void {
    const p = this.producer;
    this.producer = undefined;
    void p?.disconnect().catch(() => {});
  }

  async subscribe(topic: string | readonly string[], handler: MessageHandler, options?: { group?: string }): Promise<Subscription> {
    if (this.closed) throw new Error('bus is closed');
    const topics = typeof topic === 'string' ? [topic] : [...topic];
    if (topics.length === 0) throw new TypeError('subscribe: no topic');
    const named = options?.group !== undefined;
    const group = options?.group ?? `anonymous-${randomUUID()}`;
    // Several topics share one consumer, whose group is named after the first.
    const groupId = (this.o.groupId ?? ((g, t) => `${g}@${t}`))(group, topics[0]!);
    // A consumer of a topic that does not exist yet fails at once: create it (a department
    // may start before the engine). Without the right to create topics, leave it to the broker.
    await this.ensureTopics(topics).catch((error: unknown) => this.o.onError?.(error));
    const sub = new KafkaSubscription(this.kafka, this.o, topics, groupId, named, handler);
    await sub.start();
    this.subscriptions.add(sub);
    return {
      close: async () => {
        this.subscriptions.delete(sub);
        await sub.close();
      },
      status: () => sub.status(),
    };
  }

  /**
   * Stops consuming (in-flight handlers finish and their offsets are committed; their
   * publishes still go out), then waits for queued publishes and disconnects the producer.
   */
  async close(): Promise<void> {
    const subs = [...this.subscriptions];
    this.subscriptions.clear();
    await Promise.all(subs.map((s) => s.close()));
    this.closed = true;
    await this.flushing;
    const p = this.producer;
    this.producer = undefined;
    await p?.disconnect().catch(() => {});
  }
}

/** Splits the calls' messages into produce requests of at most `limit` bytes, grouped by topic, order kept. */
function requests(calls: Pending[], limit: number): { topic: string; messages: Message[] }[][] {
  const out: { topic: string; messages: Message[] }[][] = [];
  let byTopic = new Map<string, Message[]>();
  let bytes = 0;
  const cut = () => {
    if (byTopic.size > 0) out.push([...byTopic.entries()].map(([topic, messages]) => ({ topic, messages })));
    byTopic = new Map();
    bytes = 0;
  };
  for (const c of calls) {
    c.messages.forEach((m, i) => {
      const size = (m.value?.length ?? 0) + 64;
      if (bytes > 0 && bytes + size > limit) cut();
      const topic = c.topics[i]!;
      const list = byTopic.get(topic);
      if (list) list.push(m);
      else byTopic.set(topic, [m]);
      bytes += size;
    });
  }
  cut();
  return out;
}

function encode(m: BusMessage): Message {
  const raw = m.headers[VALUE_ENCODING_HEADER] === 'raw' && typeof m.value === 'string';
  const text = m.raw !== undefined ? m.raw : raw ? (m.value as string) : m.value === undefined ? null : JSON.stringify(m.value);
  return { key: m.key, value: text === null ? null : Buffer.from(text, 'utf8'), headers: { ...m.headers } };
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Header set beside `value-encoding: raw` when a consumed value's bytes are not UTF-8. */
export const INVALID_UTF8_HEADER = 'value-invalid-utf8';

function decode(topic: string, m: KafkaMessage): BusMessage {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(m.headers ?? {})) {
    const first = Array.isArray(v) ? v[0] : v;
    if (first !== undefined) headers[k] = first.toString();
  }
  const key = m.key ? m.key.toString('utf8') : '';
  if (m.value === null) return { topic, key, headers, value: null };
  let text: string;
  try {
    text = strictUtf8.decode(m.value);
  } catch {
    // JSON text is UTF-8 (RFC 8259): bytes that are not are no JSON, never "\uFFFD" in a case.
    text = m.value.toString('utf8');
    headers[VALUE_ENCODING_HEADER] = 'raw';
    headers[INVALID_UTF8_HEADER] = 'true';
  }
  if (headers[VALUE_ENCODING_HEADER] !== 'raw') {
    try {
      return { topic, key, headers, value: JSON.parse(text) as unknown, raw: text };
    } catch {
      headers[VALUE_ENCODING_HEADER] = 'raw';
    }
  }
  return { topic, key, headers, value: text, raw: text };
}

/**
 * One consumer in one group on its topics, restarted after every crash for as long as
 * the subscription is open: kafkajs is told never to restart by itself
 * (`restartOnFailure: false`), so every crash comes here, and a new consumer starts after
 * a backoff (1 s doubling to 30 s, reset once it has joined its group). A start that fails
 * (the broker still away) schedules the next one, so two outages in a row cannot leave
 * it dead, unlike kafkajs's own restart, which gives up when its restart fails.
 */
class KafkaSubscription {
  private consumer?: Consumer;
  private closing = false;
  private readonly sleepers = new Set<() => void>();
  private inFlight = 0;
  private readonly slotWaiters: (() => void)[] = [];
  private restartTimer?: NodeJS.Timeout;
  private state: ConsumerStatus['state'] = 'starting';
  private since = new Date();
  private reason?: string;
  private restarts = 0;
  private failedStarts = 0;
  private lastFetch = Date.now();
  private batchesInHand = 0;
  private readonly stuck = new Map<string, StuckMessage>();

  constructor(
    private readonly kafka: Kafka,
    private readonly o: KafkaBusOptions,
    private readonly topics: readonly string[],
    private readonly groupId: string,
    private readonly fromBeginning: boolean,
    private readonly handler: MessageHandler,
  ) {}

  status(): ConsumerStatus {
    const stallMs = this.o.stallAfterMs ?? 15_000;
    const quiet = Date.now() - this.lastFetch;
    // Joined, nothing in hand, and no fetch returned for a while: the broker is away
    // (kafkajs retries for a while before it crashes).
    const stalled = this.state === 'running' && this.batchesInHand === 0 && quiet > stallMs;
    return {
      topics: this.topics,
      group: this.groupId,
      state: stalled ? 'stalled' : this.state,
      since: (stalled ? new Date(this.lastFetch + stallMs) : this.since).toISOString(),
      ...(stalled ? { reason: `no fetch from the broker for ${Math.round(quiet / 1000)} s` } : this.reason ? { reason: this.reason } : {}),
      restarts: this.restarts,
      stuck: [...this.stuck.values()],
    };
  }

  private setState(state: ConsumerStatus['state'], reason?: string): void {
    this.state = state;
    this.since = new Date();
    this.reason = reason;
  }

  /** Resolves once the consumer has joined its group (or after 30 s, still joining in the background); throws if it cannot connect. */
  async start(): Promise<void> {
    const joined = await this.launch();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([joined, new Promise<void>((r) => (timer = setTimeout(r, 30_000)))]);
    clearTimeout(timer);
  }

  /** Connects a new consumer and runs it; the promise it returns resolves when the consumer joins its group. */
  private async launch(): Promise<Promise<void>> {
    const consumer = this.kafka.consumer({
      groupId: this.groupId,
      sessionTimeout: this.o.sessionTimeoutMs ?? 10_000,
      heartbeatInterval: this.o.heartbeatIntervalMs ?? 1_000,
      rebalanceTimeout: 30_000,
      maxWaitTimeInMs: this.o.fetchMaxWaitMs ?? 500,
      minBytes: this.o.fetchMinBytes ?? 1,
      allowAutoTopicCreation: true,
      // Every crash is ours to restart (see the class comment); it resumes at the committed offsets.
      retry: { initialRetryTime: 250, maxRetryTime: 3_000, retries: 10, restartOnFailure: async () => false },
    });
    this.consumer = consumer;
    const current = () => this.consumer === consumer && !this.closing;
    let joined!: () => void;
    const joinedP = new Promise<void>((r) => (joined = r));
    consumer.on(consumer.events.GROUP_JOIN, () => {
      if (!current()) return;
      this.failedStarts = 0;
      this.lastFetch = Date.now();
      this.setState('running');
      joined();
    });
    consumer.on(consumer.events.FETCH, () => {
      if (current()) this.lastFetch = Date.now();
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!current()) return;
      this.o.onError?.(payload.error);
      this.scheduleRestart(consumer, describeError(payload.error));
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [...this.topics], fromBeginning: this.fromBeginning });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: 64,
        eachBatch: (payload) => this.onBatch(payload),
      });
    } catch (error) {
      await consumer.disconnect().catch(() => {});
      throw error;
    }
    return joinedP;
  }

  /** A new consumer after a backoff; a start that fails schedules the next, until the subscription is closed. */
  private scheduleRestart(failed: Consumer | undefined, reason: string): void {
    if (this.closing || this.restartTimer) return;
    this.setState('restarting', reason);
    const delay = Math.min((this.o.restartDelayMs ?? 1_000) * 2 ** Math.min(this.failedStarts, 16), this.o.maxRestartDelayMs ?? 30_000);
    this.failedStarts++;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      void (async () => {
        await failed?.disconnect().catch(() => {});
        if (this.closing) return;
        this.restarts++;
        try {
          await this.launch();
        } catch (error) {
          this.o.onError?.(error);
          this.scheduleRestart(undefined, `restart failed: ${describeError(error)}`);
        }
      })();
    }, delay);
  }

  private async onBatch(p: EachBatchPayload): Promise<void> {
    this.batchesInHand++;
    try {
      await this.handleBatch(p);
    } finally {
      this.batchesInHand--;
      this.lastFetch = Date.now();
    }
  }

  private async handleBatch(p: EachBatchPayload): Promise<void> {
    const { batch } = p;
    const n = batch.messages.length;
    if (n === 0) return;
    let stop = false;
    let heartbeatError: unknown;
    const stopped = () => stop || this.closing || !p.isRunning() || p.isStale();
    // Handlers may take long (a department doing real work): keep the membership alive.
    // A failed heartbeat (rebalance, broker gone) stops retries; handlers in flight finish.
    const beat = setInterval(() => {
      p.heartbeat().catch((error: unknown) => {
        heartbeatError ??= error;
        stop = true;
        this.wakeAll();
      });
    }, this.o.heartbeatIntervalMs ?? 1_000);

    const done = new Array<boolean>(n).fill(false);
    let resolved = -1;
    const chains = new Map<string, Promise<void>>();
    batch.messages.forEach((m, i) => {
      const key = m.key ? m.key.toString('latin1') : '';
      const previous = chains.get(key) ?? Promise.resolve();
      chains.set(
        key,
        previous.then(async () => {
          if (!(await this.deliver(decode(batch.topic, m), { partition: batch.partition, offset: m.offset }, stopped))) return;
          done[i] = true;
          while (resolved + 1 < n && done[resolved + 1]) resolved++;
        }),
      );
    });
    await Promise.all(chains.values());
    clearInterval(beat);

    // Everything up to the first unhandled message is done: commit it. The rest is
    // fetched again (by this consumer, or by the partition's next owner).
    if (resolved >= 0) p.resolveOffset(batch.messages[resolved]!.offset);
    this.commit = () => p.commitOffsetsIfNecessary(p.uncommittedOffsets());
    const interval = this.o.commitIntervalMs ?? 0;
    const due = interval - (Date.now() - this.lastCommit);
    if (due <= 0 || heartbeatError || stopped()) {
      try {
        await this.commitNow();
      } catch (error) {
        heartbeatError ??= error;
      }
    } else {
      this.commitTimer ??= setTimeout(() => void this.commitNow().catch(() => {}), due);
    }
    if (heartbeatError) throw heartbeatError;
  }

  private commit?: () => Promise<void>;
  private lastCommit = 0;
  private commitTimer?: NodeJS.Timeout;

  /** Commits the offsets resolved so far (those of handled messages). */
  private async commitNow(): Promise<void> {
    clearTimeout(this.commitTimer);
    this.commitTimer = undefined;
    this.lastCommit = Date.now();
    try {
      await this.commit?.();
    } catch (error) {
      // Not committed: redelivered later, which handlers tolerate.
      this.o.onError?.(error);
      throw error;
    }
  }

  /**
   * Handles one message until it succeeds (true) or the subscription stops (false). A
   * handler throws only for what a retry may fix (the store away): it is retried with
   * backoff for as long as it takes, and after `stuckAfterAttempts` failures it is reported
   * stuck in `status()` (so /health and the metrics show it) while the retries go on.
   * What no retry can fix is the handler's to dead-letter (see decisionConsumer.ts).
   */
  private async deliver(message: BusMessage, at: { partition: number; offset: string }, stopped: () => boolean): Promise<boolean> {
    let delay = this.o.retryDelayMs ?? 100;
    let attempts = 0;
    let firstFailure: string | undefined;
    const id = `${message.topic}/${at.partition}/${at.offset}`;
    try {
      for (;;) {
        if (stopped()) return false;
        await this.acquire();
        try {
          await this.handler({ ...message, headers: { ...message.headers } });
          return true;
        } catch (error) {
          attempts++;
          firstFailure ??= new Date().toISOString();
          this.o.onError?.(error, message);
          if (attempts >= (this.o.stuckAfterAttempts ?? 5)) {
            this.stuck.set(id, { topic: message.topic, partition: at.partition, offset: at.offset, key: message.key, attempts, since: firstFailure, error: describeError(error) });
          }
        } finally {
          this.release();
        }
        await this.sleep(delay);
        delay = Math.min(delay * 2, this.o.maxRetryDelayMs ?? 5_000);
      }
    } finally {
      this.stuck.delete(id);
    }
  }

  private async acquire(): Promise<void> {
    while (this.inFlight >= (this.o.maxInFlight ?? 256)) await new Promise<void>((r) => this.slotWaiters.push(r));
    this.inFlight++;
  }

  private release(): void {
    this.inFlight--;
    this.slotWaiters.shift()?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(t);
        this.sleepers.delete(wake);
        resolve();
      };
      const t = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }

  private wakeAll(): void {
    for (const wake of [...this.sleepers]) wake();
  }

  /** Stops fetching, lets handlers in flight finish (no more retries), commits, leaves the group. */
  async close(): Promise<void> {
    this.closing = true;
    this.setState('closed');
    clearTimeout(this.restartTimer);
    this.wakeAll();
    if (this.commitTimer) await this.commitNow().catch(() => {});
    await this.consumer?.disconnect().catch(() => {});
  }
}
