import type { Applicant } from '../case/events.js';
import { evaluateCondition, valueAtPath, type MatterDefinition } from '../definition/definition.js';
import type { FieldIssue } from '../result.js';

/**
 * 免申即办: what a data event means for a matter that declares a trigger. Undefined when
 * the matter does not listen to the topic or the event does not meet its condition;
 * otherwise the application the engine makes by itself, or what the event lacks.
 */
export function applicationFromTrigger(
  def: MatterDefinition,
  topic: string,
  event: unknown,
): undefined | { ok: true; eventId: string; applicant: Applicant; form: Record<string, unknown> } | { ok: false; errors: FieldIssue[] } {
  const t = def.trigger;
  if (!t || t.topic !== topic || event === null || typeof event !== 'object') return undefined;
  if (!evaluateCondition(t.when, event as Record<string, unknown>)) return undefined;
  const errors: FieldIssue[] = [];
  const text = (path: string, what: string): string => {
    const v = valueAtPath(event, path);
    if (typeof v === 'string' && v.trim()) return v.trim();
    if (typeof v === 'number') return String(v);
    errors.push({ path: `event.${path}`, message: `the trigger event lacks ${what} (${path})` });
    return '';
  };
  const eventId = text(t.eventId, 'its id');
  const applicant: Applicant = {
    name: text(t.applicant.name, "the person's name"),
    idType: t.applicant.idType ? text(t.applicant.idType, 'the ID type') : 'resident-id',
    idNumber: text(t.applicant.idNumber, 'the ID number'),
    phone: text(t.applicant.phone, 'the phone number'),
  };
  const form: Record<string, unknown> = {};
  for (const [field, path] of Object.entries(t.form)) {
    const v = valueAtPath(event, path);
    if (v !== undefined) form[field] = v;
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, eventId, applicant, form };
}
