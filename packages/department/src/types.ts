/**
 * The contract types a department system needs: the bus, topic names and the task it
 * receives. They are the engine's (`@onematter/engine`, ports.ts and messaging/topics.ts),
 * copied so that a department installs this package without the engine; the adapters
 * package hands a `KafkaBus` to the engine as its `Bus`, so a drift fails its typecheck.
 */

/** A message as a subscriber sees it. */
export interface BusMessage {
  topic: string;
  key: string;
  headers: Record<string, string>;
  value: unknown;
  /**
   * The value's bytes as received, when the bus has them (Kafka). A message published
   * with `raw` is sent as exactly these bytes: a dead letter reaches its topic unchanged,
   * even one whose value cannot be encoded again (JSON nested too deep to stringify).
   */
  raw?: string;
}

export type MessageHandler = (message: BusMessage) => Promise<void>;

/** A message a consumer has failed to handle again and again (a transient failure that lasts). */
export interface StuckMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string;
  /** Failed attempts so far; it is still being retried. */
  attempts: number;
  /** When the first attempt failed (ISO 8601). */
  since: string;
  /** The last failure. */
  error: string;
}

/**
 * What a subscription's consumer is doing.
 * - `starting`: joining its group; `running`: joined and fetching;
 * - `stalled`: joined, but no fetch for a while and no message in hand (the broker is gone);
 * - `restarting`: crashed, a new consumer starts after a backoff (for as long as the process lives);
 * - `closed`: closed by its owner.
 */
export interface ConsumerStatus {
  topics: readonly string[];
  group: string;
  state: 'starting' | 'running' | 'stalled' | 'restarting' | 'closed';
  /** When it entered this state (ISO 8601). */
  since: string;
  /** Why it is not running (the last crash or failed start). */
  reason?: string;
  /** Restarts after a crash, since it was subscribed. */
  restarts: number;
  /** Messages retried past the bus's bound: reported here, and still retried. */
  stuck: readonly StuckMessage[];
}

export interface Subscription {
  close(): Promise<void>;
  /** The consumer's state, when the bus can tell. */
  status?(): ConsumerStatus;
}

export interface Bus {
  /** Publishes in order; resolves when the brokers acknowledged every message. */
  publish(messages: readonly BusMessage[]): Promise<void>;
  /**
   * Delivers each message at least once; a handler that throws gets it again.
   * `group`: subscribers in one group share messages.
   */
  subscribe(topic: string | readonly string[], handler: MessageHandler, options?: { group?: string }): Promise<Subscription>;
  close(): Promise<void>;
}

/** Kafka topic names (the defaults are the contract; a deployment may prefix them). */
export interface Topics {
  tasks(department: string): string;
  /**
   * Decisions of one department, `<prefix>.decisions.<department>`: the broker lets only
   * that department's principal write there (ACLs), so the topic names the sender.
   */
  decisionsFrom(department: string): string;
  /** Decisions of any department, each naming its `department` (a claim the topic cannot back). */
  decisions: string;
  decisionsDlq: string;
  events: string;
}

export const topicsWithPrefix = (prefix = 'onematter'): Topics => ({
  tasks: (department) => `${prefix}.tasks.${department}`,
  decisionsFrom: (department) => `${prefix}.decisions.${department}`,
  decisions: `${prefix}.decisions`,
  decisionsDlq: `${prefix}.decisions.dlq`,
  events: `${prefix}.events`,
});

export const DEFAULT_TOPICS = topicsWithPrefix();

/** The JSON a department system receives on `onematter.tasks.<department>`. */
export interface TaskMessage {
  taskId: string;
  caseId: string;
  matter: string;
  matterVersion: number;
  department: string;
  service: string;
  form: Record<string, unknown>;
  materials: string[];
  /** Outputs of the steps this one waited for, by step id (e.g. samr's unifiedSocialCreditCode). */
  inputs: Record<string, unknown>;
  attempt: number;
  dueAt: string | null;
  applicant: { name: string };
}
