import type { ConsumerStatus } from '@onematter/engine';

/** A bus consumer of the runtime, named for operators: `decisions`, `department:<id>`. */
export interface ConsumerHealth extends ConsumerStatus {
  name: string;
}

/**
 * What keeps a consumer from doing its work, one line each, for /health and
 * /health/ready: a consumer that does not run (and why), a message stuck in retries.
 */
export function consumerProblems(consumers: readonly ConsumerHealth[]): string[] {
  const problems: string[] = [];
  for (const c of consumers) {
    if (c.state === 'closed') continue;
    if (c.state !== 'running') problems.push(`consumer ${c.name} is ${c.state} since ${c.since}${c.reason ? `: ${c.reason}` : ''}`);
    for (const m of c.stuck) {
      problems.push(`consumer ${c.name}: message ${m.topic}/${m.partition}@${m.offset} (key ${m.key}) failed ${m.attempts} times since ${m.since}, still retried: ${m.error}`);
    }
  }
  return problems;
}
