import { applicationFromTrigger, type CommandHandler, type DomainError, type MatterCatalogue, type StartedCase } from '@onematter/engine';
import { v5 as uuidv5 } from 'uuid';
import { z } from 'zod';

/** Case ids of 免申即办 cases come from the matter and the trigger event's id: one case per event. */
const TRIGGER_NAMESPACE = '0b6c9f3e-2f7d-4c55-8a1e-5d2f6c9b7a41';
export const triggeredCaseId = (matter: string, eventId: string): string => uuidv5(`${matter}:${eventId}`, TRIGGER_NAMESPACE);

export const TriggerBody = z.object({
  topic: z.string().regex(/^[A-Za-z0-9._-]{1,200}$/, 'a Kafka topic name'),
  event: z.record(z.string(), z.unknown()).meta({ description: 'the data event as published, e.g. { "type": "BirthdayReached", "age": 60, … }' }),
});

export interface TriggerResult {
  topic: string;
  /** One entry per matter whose trigger the event met: its case, and whether this delivery created it. */
  cases: { matter: string; caseId: string; created: boolean; state: StartedCase }[];
}

/** The topics the catalogue's 免申即办 matters listen to. */
export const triggerTopics = (catalogue: MatterCatalogue): string[] => [...new Set(catalogue.list().flatMap((d) => (d.trigger ? [d.trigger.topic] : [])))];

/**
 * Starts, idempotently, the case of every matter whose trigger the event meets. A
 * redelivered event finds its case (the id is derived from it) and records nothing.
 * Shared by `POST /triggers` and the Kafka trigger consumer.
 */
export async function startTriggeredCases(
  runtime: { catalogue: MatterCatalogue; handler: CommandHandler },
  topic: string,
  event: unknown,
  actor: string,
): Promise<TriggerResult | { problem: DomainError }> {
  const result: TriggerResult = { topic, cases: [] };
  for (const def of runtime.catalogue.list()) {
    const app = applicationFromTrigger(def, topic, event);
    if (!app) continue;
    if (!app.ok) return { problem: { kind: 'Invalid', message: `the event cannot start ${def.id}`, errors: app.errors } };
    const caseId = triggeredCaseId(def.id, app.eventId);
    const r = await runtime.handler.execute(
      caseId,
      (now) => ({
        type: 'StartCase',
        data: { caseId, matter: def.id, applicant: app.applicant, form: app.form, materials: [], channel: 'none', trigger: { topic, eventId: app.eventId } },
        now,
      }),
      actor,
    );
    if (r.ok) {
      result.cases.push({ matter: def.id, caseId, created: r.value.appended > 0, state: r.value.state });
      continue;
    }
    if (r.error.kind !== 'Conflict') return { problem: r.error };
    // Delivered again: the case exists already; nothing is recorded.
    const existing = await runtime.handler.loadLatest(caseId);
    if (existing.kind !== 'started') return { problem: r.error };
    result.cases.push({ matter: def.id, caseId, created: false, state: existing });
  }
  return result;
}
