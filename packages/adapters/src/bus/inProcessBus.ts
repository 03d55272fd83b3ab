import type { Bus, BusMessage, MessageHandler, Subscription } from '@onematter/engine';

interface Subscriber {
  id: number;
  group: string;
  handler: MessageHandler;
}

/** A consumer group on one topic: its members, its round robin, and one delivery chain per key. */
interface Group {
  readonly name: string;
  /** Replaced (never changed in place) when a member joins or leaves: a delivery keeps the array it started with. */
  members: readonly Subscriber[];
  next: number;
  readonly chains: Map<string, Chain>;
}

/** The deliveries of one key to one group, each after the one before (publish order). */
interface Chain {
  tail: Promise<void>;
  pending: number;
}

/** The groups of a topic; `active` lists those with members (the ones a message goes to). */
interface TopicGroups {
  readonly byName: Map<string, Group>;
  active: readonly Group[];
}

export interface InProcessBusOptions {
  /** Delay before a failed delivery is tried again (doubling up to maxRetryDelayMs). */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  onError?: (error: unknown, message: BusMessage) => void;
}

const resolved: Promise<void> = Promise.resolve();

/**
 * The embedded default bus: no broker, same semantics the engine relies on.
 * Each message goes to one subscriber per group; messages with the same topic and
 * key reach a group in publish order; a handler that throws gets the message again
 * (at least once). `publish` resolves when every group has handled the message,
 * so the outbox row is marked only after that: a crash before it redelivers on
 * restart. Like Kafka, a topic nobody subscribes to swallows its messages.
 *
 * It carries every message the engine exchanges in process (events, tasks, decisions),
 * so the groups of a topic are kept (rebuilt when someone subscribes or leaves) rather
 * than worked out per message, and a message allocates little beyond its promises.
 */
export class InProcessBus implements Bus {
  private readonly topics = new Map<string, TopicGroups>();
  private nextId = 1;
  private closed = false;

  constructor(private readonly options: InProcessBusOptions = {}) {}

  async publish(messages: readonly BusMessage[]): Promise<void> {
    if (this.closed) throw new Error('bus is closed');
    if (messages.length === 1) return this.deliver(messages[0]!);
    const deliveries = new Array<Promise<void>>(messages.length);
    for (let i = 0; i < messages.length; i++) deliveries[i] = this.deliver(messages[i]!);
    await Promise.all(deliveries);
  }

  private deliver(message: BusMessage): Promise<void> {
    const groups = this.topics.get(message.topic)?.active;
    if (!groups || groups.length === 0) return resolved;
    if (groups.length === 1) return this.enqueue(groups[0]!, message);
    const deliveries = new Array<Promise<void>>(groups.length);
    for (let i = 0; i < groups.length; i++) deliveries[i] = this.enqueue(groups[i]!, message);
    return Promise.all(deliveries).then(() => undefined);
  }

  /** Queues the message behind the group's earlier messages with the same key. */
  private enqueue(group: Group, message: BusMessage): Promise<void> {
    let chain = group.chains.get(message.key);
    if (!chain) {
      chain = { tail: resolved, pending: 0 };
      group.chains.set(message.key, chain);
    }
    chain.pending++;
    const c = chain;
    const members = group.members;
    const next = chain.tail.then(() => this.handleWithRetry(group, c, members, message));
    chain.tail = next;
    return next;
  }

  private async handleWithRetry(group: Group, chain: Chain, members: readonly Subscriber[], message: BusMessage): Promise<void> {
    let delay = this.options.retryDelayMs ?? 50;
    try {
      for (;;) {
        if (this.closed) throw new Error('bus closed before the message was handled');
        // The group's members now (one may have left or joined since the publish), or those it had then.
        const pool = group.members.length > 0 ? group.members : members;
        const i = group.next % pool.length;
        group.next = i + 1;
        // Each delivery gets its own envelope and headers: a handler cannot change what another group sees.
        const copy: BusMessage = { topic: message.topic, key: message.key, headers: { ...message.headers }, value: message.value };
        if (message.raw !== undefined) copy.raw = message.raw;
        try {
          await pool[i]!.handler(copy);
          return;
        } catch (error) {
          this.options.onError?.(error, message);
          await new Promise((r) => setTimeout(r, delay));
          delay = Math.min(delay * 2, this.options.maxRetryDelayMs ?? 2000);
        }
      }
    } finally {
      // The key's last delivery in flight: its chain goes.
      if (--chain.pending === 0 && group.chains.get(message.key) === chain) group.chains.delete(message.key);
    }
  }

  /** Whether anyone listens on a topic (the event feed does not read the log for nobody). */
  hasSubscribers(topic: string): boolean {
    return (this.topics.get(topic)?.active.length ?? 0) > 0;
  }

  async subscribe(topic: string | readonly string[], handler: MessageHandler, options?: { group?: string }): Promise<Subscription> {
    const topics = typeof topic === 'string' ? [topic] : [...topic];
    const sub: Subscriber = { id: this.nextId++, group: options?.group ?? `anonymous-${this.nextId}`, handler };
    for (const t of topics) this.change(t, sub.group, (members) => [...members, sub]);
    const since = new Date().toISOString();
    let closed = false;
    return {
      close: async () => {
        closed = true;
        for (const t of topics) this.change(t, sub.group, (members) => members.filter((s) => s.id !== sub.id));
      },
      // Nothing to crash: in process, a subscriber runs until it is closed.
      status: () => ({ topics, group: sub.group, state: closed ? 'closed' : 'running', since, restarts: 0, stuck: [] }),
    };
  }

  /** Replaces a group's members on a topic and recomputes the topic's active groups (in the order they first subscribed). */
  private change(topic: string, name: string, members: (now: readonly Subscriber[]) => readonly Subscriber[]): void {
    let groups = this.topics.get(topic);
    if (!groups) {
      groups = { byName: new Map(), active: [] };
      this.topics.set(topic, groups);
    }
    let group = groups.byName.get(name);
    if (!group) {
      group = { name, members: [], next: 0, chains: new Map() };
      groups.byName.set(name, group);
    }
    group.members = members(group.members);
    groups.active = [...groups.byName.values()].filter((g) => g.members.length > 0);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.topics.clear();
  }
}
