import type { Bus, BusMessage, MessageHandler, Subscription } from '@onematter/engine';

interface Subscriber {
  id: number;
  group: string;
  handler: MessageHandler;
}

export interface InProcessBusOptions {
  /** Delay before a failed delivery is tried again (doubling up to maxRetryDelayMs). */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  onError?: (error: unknown, message: BusMessage) => void;
}

/**
 * The embedded default bus: no broker, same semantics the engine relies on.
 * Each message goes to one subscriber per group; messages with the same topic and
 * key reach a group in publish order; a handler that throws gets the message again
 * (at least once). `publish` resolves when every group has handled the message,
 * so the outbox row is marked only after that: a crash before it redelivers on
 * restart. Like Kafka, a topic nobody subscribes to swallows its messages.
 */
export class InProcessBus implements Bus {
  private readonly subscribers = new Map<string, Subscriber[]>();
  private readonly chains = new Map<string, Promise<void>>();
  private readonly roundRobin = new Map<string, number>();
  private nextId = 1;
  private closed = false;

  constructor(private readonly options: InProcessBusOptions = {}) {}

  async publish(messages: readonly BusMessage[]): Promise<void> {
    if (this.closed) throw new Error('bus is closed');
    await Promise.all(messages.map((m) => this.deliver(m)));
  }

  private deliver(message: BusMessage): Promise<void> {
    const subs = this.subscribers.get(message.topic) ?? [];
    const groups = new Map<string, Subscriber[]>();
    for (const s of subs) groups.set(s.group, [...(groups.get(s.group) ?? []), s]);
    return Promise.all(
      [...groups.entries()].map(([group, members]) => {
        const chainKey = `${message.topic}\u0000${group}\u0000${message.key}`;
        const previous = this.chains.get(chainKey) ?? Promise.resolve();
        const next = previous.then(() => this.handleWithRetry(message.topic, group, members, message));
        this.chains.set(chainKey, next);
        void next.finally(() => {
          if (this.chains.get(chainKey) === next) this.chains.delete(chainKey);
        });
        return next;
      }),
    ).then(() => undefined);
  }

  private async handleWithRetry(topic: string, group: string, members: Subscriber[], message: BusMessage): Promise<void> {
    let delay = this.options.retryDelayMs ?? 50;
    for (;;) {
      if (this.closed) throw new Error('bus closed before the message was handled');
      const live = (this.subscribers.get(topic) ?? []).filter((s) => s.group === group);
      const pool = live.length > 0 ? live : members;
      const rrKey = `${topic}\u0000${group}`;
      const i = (this.roundRobin.get(rrKey) ?? 0) % pool.length;
      this.roundRobin.set(rrKey, i + 1);
      try {
        await pool[i]!.handler({ ...message, headers: { ...message.headers } });
        return;
      } catch (error) {
        this.options.onError?.(error, message);
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, this.options.maxRetryDelayMs ?? 2000);
      }
    }
  }

  /** Whether anyone listens on a topic (the event feed does not read the log for nobody). */
  hasSubscribers(topic: string): boolean {
    return (this.subscribers.get(topic)?.length ?? 0) > 0;
  }

  async subscribe(topic: string | readonly string[], handler: MessageHandler, options?: { group?: string }): Promise<Subscription> {
    const topics = typeof topic === 'string' ? [topic] : [...topic];
    const sub: Subscriber = { id: this.nextId++, group: options?.group ?? `anonymous-${this.nextId}`, handler };
    for (const t of topics) this.subscribers.set(t, [...(this.subscribers.get(t) ?? []), sub]);
    const since = new Date().toISOString();
    let closed = false;
    return {
      close: async () => {
        closed = true;
        for (const t of topics) this.subscribers.set(t, (this.subscribers.get(t) ?? []).filter((s) => s.id !== sub.id));
      },
      // Nothing to crash: in process, a subscriber runs until it is closed.
      status: () => ({ topics, group: sub.group, state: closed ? 'closed' : 'running', since, restarts: 0, stuck: [] }),
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.subscribers.clear();
  }
}
