import { createHash } from 'node:crypto';
import { DEPARTMENTS, type Bus, type ConsumerStatus, type MatterCatalogue, type Subscription, type TaskMessage, type Topics } from '@onematter/engine';
import { generateUscc, isValidResidentId, isValidUscc } from '@onematter/workflows';
import { createDepartmentWorker, type DepartmentReply } from '@onematter/department';

export interface SimulationOptions {
  bus: Bus;
  topics: Topics;
  catalogue: MatterCatalogue;
  /**
   * Reads matters deployed since (e.g. the store's `$matters`): called before answering a
   * task whose matter version the catalogue does not know yet.
   */
  refresh?: () => Promise<unknown>;
  /** Departments to simulate; all by default. */
  departments?: readonly string[];
  /** Answer after a delay drawn from [min, max] ms; [0, 0] answers at once. */
  delayMs?: readonly [number, number];
  /** Share of first attempts answered with a supplement request (0..1). */
  supplementRate?: number;
  /** Share of first attempts rejected (0..1); 0 by default. */
  rejectionRate?: number;
  signal?: AbortSignal;
}

/** A deterministic number in [0, 1) from a string: the same task gets the same answer on redelivery. */
const unitHash = (s: string): number => createHash('sha256').update(s).digest().readUInt32BE(0) / 2 ** 32;
const digits = (s: string, n: number): string => {
  const h = createHash('sha256').update(s).digest();
  let out = '';
  for (let i = 0; out.length < n; i++) out += (h[i % h.length]! % 10).toString();
  return out;
};

/**
 * A simulated department's answer, valid for the step's output schema: the department's
 * usual answer when the step documents that shape (enterprise setup, utilities), else the
 * step's `outputExample` with its reference numbers varied per task. Each candidate is
 * checked against the step's schema, and the documented example itself is the last resort,
 * so a simulated decision is never refused as invalid.
 */
export function simulatedOutput(task: TaskMessage, catalogue?: MatterCatalogue): Record<string, unknown> {
  const step = catalogue?.get(task.matter, task.matterVersion)?.definition.steps.find((s) => task.taskId.endsWith(`.${s.id}`));
  const documented = step?.outputExample;
  const usual = departmentOutput(task);
  const candidates = [
    usual && (!documented || Object.keys(documented).every((k) => k in usual)) ? usual : undefined,
    documented ? (vary(documented, task.taskId) as Record<string, unknown>) : undefined,
    documented,
  ].filter((c): c is Record<string, unknown> => c !== undefined);
  if (candidates.length === 0) return { reference: `${task.department.toUpperCase()}${digits(task.taskId, 10)}` };
  return candidates.find((c) => !step?.output || step.output.safeParse(c).success) ?? candidates[candidates.length - 1]!;
}

/**
 * A copy of a documented example with every run of 6+ digits replaced by digits derived
 * from the task (so two cases get different reference numbers); dates, amounts, codes with
 * check characters (统一社会信用代码, 身份证号码) and short numbers stay as documented.
 */
function vary(value: unknown, seed: string, path = ''): unknown {
  if (typeof value === 'string') {
    if (isValidUscc(value) || isValidResidentId(value)) return value;
    let i = 0;
    return value.replace(/\d{6,}/g, (run) => digits(`${seed}:${path}:${i++}`, run.length));
  }
  if (Array.isArray(value)) return value.map((v, k) => vary(v, seed, `${path}.${k}`));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, vary(v, seed, `${path}.${k}`)]));
  }
  return value;
}

/** Realistic outputs of the departments of enterprise setup and utility connection, or undefined. */
function departmentOutput(task: TaskMessage): Record<string, unknown> | undefined {
  const seed = `${task.taskId}`;
  const year = (task.dueAt ?? new Date().toISOString()).slice(0, 4);
  // The code registered by whichever step returned one (enterprise setup's samr, a restaurant's licence).
  const registered = Object.values(task.inputs).find((o): o is { unifiedSocialCreditCode: string } =>
    typeof (o as { unifiedSocialCreditCode?: unknown } | null)?.unifiedSocialCreditCode === 'string');
  const uscc = registered?.unifiedSocialCreditCode ?? (task.form.enterpriseUscc as string | undefined);
  switch (task.department) {
    case 'samr': {
      const code = generateUscc(Math.floor(unitHash(seed) * 1e9));
      return { unifiedSocialCreditCode: code, licenceNumber: `L${code.slice(2, 8)}${year}${digits(seed, 6)}`, registeredName: task.form.enterpriseName };
    }
    case 'psb':
      return { sealFilingNumber: `YZ${year}${digits(seed, 10)}`, seals: task.form.seals ?? ['公章'] };
    case 'tax':
      return { taxpayerId: uscc ?? generateUscc(Math.floor(unitHash(seed) * 1e9)), invoiceQuota: (task.form.invoice as { monthlyQuota?: number } | undefined)?.monthlyQuota ?? 25 };
    case 'bank':
      return { accountNumber: `6222${digits(seed, 15)}`, bankName: (task.form.bank as { name?: string } | undefined)?.name ?? '中国工商银行' };
    case 'hrss':
      return { socialInsuranceNumber: `SB${year}${digits(seed, 10)}` };
    case 'nhsa':
      return { medicalInsuranceNumber: `YB${year}${digits(seed, 10)}` };
    case 'hpf':
      return { housingFundAccount: `GJJ${year}${digits(seed, 10)}` };
    case 'water':
      return { connectionNumber: `WS${digits(seed, 10)}` };
    case 'power':
      return { connectionNumber: `DL${digits(seed, 10)}` };
    case 'gas':
      return { connectionNumber: `RQ${digits(seed, 10)}` };
    case 'heat':
      return { connectionNumber: `GR${digits(seed, 10)}` };
    case 'telecom':
      return { connectionNumber: `TX${digits(seed, 10)}` };
    default:
      // Any other department answers in the shape its step documents (see simulatedOutput).
      return undefined;
  }
}

/**
 * Simulated department systems for the demo, tests and load: each subscribes to
 * its task topic through the same worker a real department would use, waits a
 * little, and mostly approves, sometimes asking for a supplement.
 */
export async function startSimulatedDepartments(o: SimulationOptions): Promise<{ close(): Promise<void>; status(): (ConsumerStatus & { department: string })[] }> {
  const [min, max] = o.delayMs ?? [0, 0];
  const subs: (Subscription & { department: string })[] = [];
  for (const department of o.departments ?? DEPARTMENTS) {
    subs.push({
      department,
      ...(await createDepartmentWorker({
        bus: o.bus,
        topics: o.topics,
        department,
        handle: async (task, { eventId }) => {
          const roll = unitHash(`${eventId}:roll`);
          const wait = min + unitHash(`${eventId}:delay`) * (max - min);
          if (wait > 0) await sleep(wait, o.signal);
          if (o.refresh && !o.catalogue.get(task.matter, task.matterVersion)) await o.refresh();
          return reply(task, roll, o);
        },
      })),
    });
  }
  return {
    close: async () => void (await Promise.all(subs.map((s) => s.close()))),
    status: () => subs.flatMap((s) => (s.status ? [{ department: s.department, ...s.status() }] : [])),
  };
}

function reply(task: TaskMessage, roll: number, o: SimulationOptions): DepartmentReply {
  const rejectionRate = o.rejectionRate ?? 0;
  const supplementRate = o.supplementRate ?? 0;
  if (task.attempt === 1 && roll < rejectionRate) {
    return { decision: 'rejected', reason: '经审查，申请材料与实际情况不符，不予办理（simulated rejection）' };
  }
  if (task.attempt === 1 && roll < rejectionRate + supplementRate) {
    const material = task.materials[0] ?? 'application-form';
    return { decision: 'supplement-required', missingMaterials: [material], reason: '材料签字不全，请补正（模拟部门的补正要求）' };
  }
  return { decision: 'approved', output: simulatedOutput(task, o.catalogue) };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Error('aborted'));
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(new Error('aborted'));
    }, { once: true });
  });
}
