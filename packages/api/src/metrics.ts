import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CaseListProjection, DeadLetterKind, OutboxRelay } from '@onematter/adapters';
import type { ConsumerHealth } from './health.js';

export interface Metrics {
  registry: Registry;
  commands: Counter<'command' | 'outcome'>;
  appendSeconds: Histogram;
  /** Messages sent to a dead-letter topic, by kind (invalid-json, schema, forged, refused, unprocessable). */
  deadLetters: Counter<'kind'>;
  observeRuntime(parts: { relay: OutboxRelay; caseList: CaseListProjection; consumers: () => ConsumerHealth[] }): void;
}

/** Prometheus metrics: one registry per runtime, so tests and two servers in one process don't collide. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'onematter_process_' });
  const commands = new Counter({
    name: 'onematter_commands_total',
    help: 'Commands handled, by type and outcome (ok, noop, retry, Invalid, NotFound, Conflict, ...)',
    labelNames: ['command', 'outcome'] as const,
    registers: [registry],
  });
  const appendSeconds = new Histogram({
    name: 'onematter_append_duration_seconds',
    help: 'Time from append call to durable commit',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [registry],
  });
  const deadLetters = new Counter({
    name: 'onematter_dlq_messages_total',
    help: 'Messages sent to a dead-letter topic, by kind of reason',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  for (const kind of ['invalid-json', 'schema', 'forged', 'refused', 'unprocessable'] satisfies DeadLetterKind[]) deadLetters.inc({ kind }, 0);
  return {
    registry,
    commands,
    appendSeconds,
    deadLetters,
    observeRuntime({ relay, caseList, consumers }) {
      new Gauge({
        name: 'onematter_consumer_up',
        help: 'Whether a bus consumer is joined and fetching (1) or not (0: starting, stalled, restarting)',
        labelNames: ['consumer'] as const,
        registers: [registry],
        collect() {
          for (const c of consumers()) this.set({ consumer: c.name }, c.state === 'running' ? 1 : 0);
        },
      });
      new Gauge({
        name: 'onematter_consumer_stuck',
        help: 'Messages a consumer has retried past its bound (a transient failure that lasts), still being retried',
        labelNames: ['consumer'] as const,
        registers: [registry],
        collect() {
          for (const c of consumers()) this.set({ consumer: c.name }, c.stuck.length);
        },
      });
      new Gauge({
        name: 'onematter_consumer_restarts',
        help: 'Times a bus consumer was started again after a crash, since the process started',
        labelNames: ['consumer'] as const,
        registers: [registry],
        collect() {
          for (const c of consumers()) this.set({ consumer: c.name }, c.restarts);
        },
      });
      new Gauge({
        name: 'onematter_outbox_lag',
        help: 'Outbox rows read by the relay and not yet acknowledged by the bus',
        registers: [registry],
        collect() {
          this.set(relay.pending);
        },
      });
      new Gauge({
        name: 'onematter_cases',
        help: 'Cases by status (from the case list projection)',
        labelNames: ['status'] as const,
        registers: [registry],
        async collect() {
          for (const [status, n] of Object.entries(await caseList.countByStatus())) this.set({ status }, n);
        },
      });
      new Gauge({
        name: 'onematter_projection_failed_events',
        help: 'Events a read model could not apply and set aside (see `onematter projections status`)',
        labelNames: ['projection'] as const,
        registers: [registry],
        collect() {
          for (const runner of caseList.runners) this.set({ projection: runner.name }, runner.failedCount);
        },
      });
    },
  };
}
