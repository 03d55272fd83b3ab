import { DEFAULT_TOPICS, type Bus, type BusMessage, type ConsumerStatus, type Subscription, type TaskMessage, type Topics } from './types.js';
import { createDepartmentWorker, type DepartmentReply } from './worker.js';
import { KafkaBus, type KafkaBusLogLevel, type KafkaBusLogger } from './kafkaBus.js';

export interface DepartmentClientOptions {
  /** Bootstrap brokers, `host:port`. */
  brokers: string[];
  /** Topic names; default the contract's `onematter.*`. */
  topics?: Topics;
  /** Consumer group shared by every instance of this department system. Default `department-<id>`. */
  group?: string;
  clientId?: string;
  /** Backoff after a handler throws: the task is tried again after `initialDelayMs`, doubling up to `maxDelayMs`. Default 100 ms … 5 s. */
  retry?: { initialDelayMs?: number; maxDelayMs?: number };
  /** Tasks handled at once (tasks of one case always one after another). Default 64. */
  concurrency?: number;
  logLevel?: KafkaBusLogLevel;
  logger?: KafkaBusLogger;
  /** Told about every failed attempt (the task is retried), every malformed task (skipped) and every consumer crash (it is restarted). */
  onError?: (error: unknown, task?: unknown) => void;
}

export type TaskHandler = (task: TaskMessage) => Promise<DepartmentReply>;

export interface DepartmentClient {
  /** Starts taking tasks; resolves once the consumer has joined its group. Call once. */
  onTask(handler: TaskHandler): Promise<void>;
  /** Stops taking tasks, lets running handlers finish and their decisions go out, then disconnects. */
  close(): Promise<void>;
  /** Whether the task consumer runs (and why not), and tasks stuck in retries; undefined before onTask. */
  status(): ConsumerStatus | undefined;
}

/**
 * The department SDK: a department system takes its tasks from
 * `onematter.tasks.<id>` and answers on `onematter.decisions.<id>`, its own decision
 * topic (the only one its Kafka principal may write in production; every decision also
 * names the department).
 *
 * ```ts
 * const tax = department('tax', { brokers: ['127.0.0.1:9092'] });
 * await tax.onTask(async (task) => ({ decision: 'approved', output: { taxpayerId: await register(task) } }));
 * process.on('SIGTERM', () => void tax.close());
 * ```
 *
 * Delivery is **at least once**:
 * - a task's offset is committed only after the handler resolved *and* the broker
 *   acknowledged the decision, so a crash or restart in between gives the task again
 *   (possibly to another instance in the same group). Make the handler's side effects
 *   idempotent, keyed on `task.taskId` and `task.attempt`;
 * - the decision's `decisionId` is derived from the task's `event-id`, the same on every
 *   redelivery, so the engine records it once however often it is sent;
 * - a handler that throws gets the same task again after a backoff, indefinitely;
 *   tasks of other cases keep flowing, later tasks of the same case wait (order per case);
 * - a message that is not a task (no taskId/caseId) cannot be answered: it is reported
 *   to `onError` and skipped;
 * - the consumer is restarted with backoff after every crash (a broker outage), for as
 *   long as the client is open; `status()` tells whether it runs.
 */
export function department(id: string, options: DepartmentClientOptions): DepartmentClient {
  if (!/^[a-z0-9][a-z0-9_-]*$/.test(id)) throw new TypeError(`department id "${id}": use lower-case letters, digits, - and _`);
  const topics = options.topics ?? DEFAULT_TOPICS;
  let bus: KafkaBus | undefined;
  let subscription: Subscription | undefined;
  let closed = false;

  return {
    async onTask(handler) {
      if (closed) throw new Error(`department ${id}: closed`);
      if (bus) throw new Error(`department ${id}: onTask was already called`);
      bus = new KafkaBus({
        brokers: options.brokers,
        topics,
        clientId: options.clientId ?? `onematter-department-${id}`,
        maxInFlight: options.concurrency ?? 64,
        retryDelayMs: options.retry?.initialDelayMs ?? 100,
        maxRetryDelayMs: options.retry?.maxDelayMs ?? 5_000,
        ...(options.logLevel ? { logLevel: options.logLevel } : {}),
        ...(options.logger ? { logger: options.logger } : {}),
        onError: (error, message) => options.onError?.(error, message?.value),
      });
      subscription = await createDepartmentWorker({
        bus: skippingMalformedTasks(bus, (message) => options.onError?.(new Error(`not a task on ${message.topic}; skipped`), message.value)),
        topics,
        department: id,
        handle: (task) => handler(task),
        ...(options.group ? { group: options.group } : {}),
      });
    },
    async close() {
      closed = true;
      await bus?.close();
    },
    status: () => subscription?.status?.(),
  };
}

const isTask = (v: unknown): v is TaskMessage =>
  typeof v === 'object' && v !== null && typeof (v as TaskMessage).taskId === 'string' && typeof (v as TaskMessage).caseId === 'string';

/** The worker trusts its topic; a message there that is no task would fail forever, so it is acknowledged and reported instead. */
function skippingMalformedTasks(bus: Bus, onSkip: (message: BusMessage) => void): Bus {
  return {
    publish: (messages) => bus.publish(messages),
    subscribe: (topic, handler, options) =>
      bus.subscribe(
        topic,
        async (message) => {
          if (!isTask(message.value)) return onSkip(message);
          return handler(message);
        },
        options,
      ),
    close: () => bus.close(),
  };
}
