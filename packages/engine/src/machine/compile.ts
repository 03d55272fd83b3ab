import { assign, createActor, setup, type AnyActorScope, type AnyMachineSnapshot, type AnyStateMachine } from 'xstate';
import { effectiveSteps, evaluateCondition, type MatterDefinition } from '../definition/definition.js';
import type { Decision } from '../case/events.js';

/**
 * Compiles a matter definition into an XState v5 machine:
 *
 *   case (id "case")
 *   ├─ active (parallel: one region per department step)
 *   │   └─ <step>: waiting ─(deps approved)→ pending ─approved→ approved (final)
 *   │                                         │  └─supplement-required→ supplement ─SUPPLEMENT→ pending
 *   │                                         └─rejected→ #case.rejected
 *   ├─ completed (final, when every region is approved)
 *   ├─ rejected (final)
 *   └─ withdrawn (final)
 *
 * The machine is only ever stepped with xstate's pure `transition`: its actions
 * come back as data (`dispatch` with the step id) and `decide` records them as
 * events. Nothing is executed and nothing is timed here (an xstate `after` would
 * not survive a restore); deadlines are events that a scheduler reloads.
 */

export interface MachineContext {
  outputs: Record<string, Record<string, unknown>>;
  /** Steps that do not apply to this case's form; they count as done for the steps after them. */
  skipped: Record<string, true>;
}

export type MachineEvent =
  | { type: 'DECISION'; step: string; decision: Decision; output?: Record<string, unknown> }
  | { type: 'SUPPLEMENT' }
  | { type: 'WITHDRAW' };

export type StepState = 'deciding' | 'waiting' | 'pending' | 'supplement' | 'approved' | 'skipped';
export type CaseMachineState = 'active' | 'completed' | 'rejected' | 'withdrawn';

export function compileMatter(def: MatterDefinition) {
  const machineSetup = setup({
    types: {
      context: {} as MachineContext,
      events: {} as MachineEvent,
      input: {} as { skipped: Record<string, true> },
    },
    actions: {
      // Effects are data: `decide` turns each into a TaskDispatched event.
      dispatch: (_: unknown, _params: { step: string }) => {},
      storeOutput: assign({
        outputs: ({ context, event }, params: { step: string }) =>
          event.type === 'DECISION' ? { ...context.outputs, [params.step]: event.output ?? {} } : context.outputs,
      }),
    },
    guards: {
      dependenciesApproved: ({ context }, params: { dependsOn: readonly string[] }) =>
        params.dependsOn.every((d) => context.outputs[d] !== undefined || context.skipped[d]),
      applies: ({ context }, params: { step: string }) => !context.skipped[params.step],
      decisionIs: ({ event }, params: { step: string; decision: Decision }) =>
        event.type === 'DECISION' && event.step === params.step && event.decision === params.decision,
    },
  });

  const regions = Object.fromEntries(
    effectiveSteps(def).map((s) => [
      s.id,
      {
        // A conditional step first decides, from the form, whether it applies at all.
        initial: s.when ? 'deciding' : s.dependsOn.length > 0 ? 'waiting' : 'pending',
        states: {
          deciding: {
            always: [
              { guard: { type: 'applies', params: { step: s.id } }, target: s.dependsOn.length > 0 ? 'waiting' : 'pending' },
              { target: 'skipped' },
            ],
          },
          skipped: { type: 'final' },
          waiting: {
            always: { guard: { type: 'dependenciesApproved', params: { dependsOn: s.dependsOn } }, target: 'pending' },
          },
          pending: {
            entry: { type: 'dispatch', params: { step: s.id } },
            on: {
              DECISION: [
                {
                  guard: { type: 'decisionIs', params: { step: s.id, decision: 'approved' } },
                  target: 'approved',
                  actions: { type: 'storeOutput', params: { step: s.id } },
                },
                { guard: { type: 'decisionIs', params: { step: s.id, decision: 'rejected' } }, target: '#case.rejected' },
                {
                  guard: { type: 'decisionIs', params: { step: s.id, decision: 'supplement-required' } },
                  target: 'supplement',
                },
              ],
            },
          },
          supplement: { on: { SUPPLEMENT: 'pending' } },
          approved: { type: 'final' },
        },
      },
    ]),
  );

  const machine = machineSetup.createMachine({
    id: 'case',
    context: ({ input }) => ({ outputs: {}, skipped: input?.skipped ?? {} }),
    initial: 'active',
    states: {
      active: {
        type: 'parallel',
        // The cast keeps the generated regions out of xstate's deep literal inference.
        states: regions as never,
        onDone: 'completed',
        on: { WITHDRAW: 'withdrawn' },
      },
      completed: { type: 'final' },
      rejected: { type: 'final' },
      withdrawn: { type: 'final' },
    },
  });

  return { definition: def, machine, scope: inertScope(machine) };
}

/**
 * xstate's `transition(machine, snapshot, event)` builds a throw-away actor, and
 * with it the machine's initial snapshot, on every call: 40% of a transition's
 * cost here. This is the same inert scope built once per compiled matter, reused
 * for every pure step. It is safe because these machines invoke and spawn no
 * actors, and steps run synchronously: the action collector is set per call.
 */
interface StepScope {
  scope: AnyActorScope;
  collected: { type: string; params?: unknown }[];
}

function inertScope(machine: AnyStateMachine): StepScope {
  const self = createActor(machine);
  const collected: StepScope['collected'] = [];
  const scope = {
    self,
    defer: () => {},
    id: '',
    logger: () => {},
    sessionId: '',
    stopChild: () => {},
    system: self.system,
    emit: () => {},
    actionExecutor: (action: { type: string; params?: unknown }) => {
      collected.push(action);
    },
  } as unknown as AnyActorScope;
  return { scope, collected };
}

export type CompiledMatter = ReturnType<typeof compileMatter>;
export type CaseMachine = CompiledMatter['machine'];
export type MachineSnapshot = AnyMachineSnapshot;

export interface Step {
  snapshot: MachineSnapshot;
  /** Steps whose tasks the transition dispatched, in definition order. */
  dispatched: string[];
}

const dispatchedSteps = (actions: readonly { type: string; params?: unknown }[]): string[] =>
  actions.filter((a) => a.type === 'dispatch').map((a) => (a.params as { step: string }).step);

/** The steps that do not apply to a form (their `when` is false). */
export function skippedSteps(def: MatterDefinition, form: Record<string, unknown>): Record<string, true> {
  const skipped: Record<string, true> = {};
  for (const s of def.steps) if (s.when && !evaluateCondition(s.when, form)) skipped[s.id] = true;
  return skipped;
}

/** The machine's initial state for a form and the tasks it dispatches (xstate's pure `initialTransition`). */
export function startMachine(m: CompiledMatter, form: Record<string, unknown>): Step {
  m.scope.collected.length = 0;
  const snapshot = m.machine.getInitialSnapshot(m.scope.scope as never, { skipped: skippedSteps(m.definition, form) });
  return { snapshot, dispatched: dispatchedSteps(m.scope.collected.splice(0)) };
}

/**
 * One pure step (xstate's `transition`): the next state and the tasks it dispatches;
 * nothing is executed.
 *
 * Steps are remembered. A machine step is a pure function of the snapshot and the
 * event, and a snapshot of these machines is fully given by its status, its state
 * value and its context (no history states, no children, no output). Context only
 * changes when an approval stores its output, so a case going round the 补正 loop
 * keeps one context object and revisits the same few states. The result of a loop
 * step is made canonical per (context, status, value), and each canonical snapshot
 * remembers its loop steps: a case with thousands of rounds replays with a handful
 * of real transitions. The memo hangs off the snapshots and the context object, so
 * it lives exactly as long as some state of that case does.
 */
export function stepMachine(m: CompiledMatter, snapshot: MachineSnapshot, event: MachineEvent): Step {
  const key = eventKey(event);
  const known = key === undefined ? undefined : stepsFrom.get(snapshot)?.get(key);
  if (known) return { snapshot: known.snapshot, dispatched: known.dispatched.slice() };
  m.scope.collected.length = 0;
  const computed = m.machine.transition(snapshot as never, event, m.scope.scope as never) as MachineSnapshot;
  const dispatched = dispatchedSteps(m.scope.collected.splice(0));
  if (key === undefined) return { snapshot: computed, dispatched };
  const next = canonicalSnapshot(computed);
  let byEvent = stepsFrom.get(snapshot);
  if (!byEvent) stepsFrom.set(snapshot, (byEvent = new Map()));
  if (byEvent.size < MAX_REMEMBERED) byEvent.set(key, { snapshot: next, dispatched: dispatched.slice() });
  return { snapshot: next, dispatched };
}

/** Steps remembered per snapshot; a case's few loop states never get near it. */
const MAX_REMEMBERED = 64;
const stepsFrom = new WeakMap<object, Map<string, { snapshot: MachineSnapshot; dispatched: readonly string[] }>>();
const canonicalByContext = new WeakMap<object, Map<string, MachineSnapshot>>();

/**
 * Only the events of the 补正 loop (a supplement request and the supplement) are
 * remembered: the others happen once per step, and remembering them would only cost.
 */
function eventKey(event: MachineEvent): string | undefined {
  switch (event.type) {
    case 'DECISION':
      return event.decision === 'supplement-required' && event.output === undefined ? `D\u0000${event.step}` : undefined;
    case 'SUPPLEMENT':
      return 'S';
    case 'WITHDRAW':
      return undefined;
  }
}

/** The first snapshot seen with this snapshot's context, status and value. */
function canonicalSnapshot(s: MachineSnapshot): MachineSnapshot {
  const context = s.context as object | undefined;
  if (typeof context !== 'object' || context === null) return s;
  let byValue = canonicalByContext.get(context);
  if (!byValue) canonicalByContext.set(context, (byValue = new Map()));
  const key = `${s.status}\u0000${JSON.stringify(s.value)}`;
  const known = byValue.get(key);
  if (known) return known;
  if (byValue.size < MAX_REMEMBERED) byValue.set(key, s);
  return s;
}

/** A machine state as plain JSON (xstate's persisted snapshot), for a case snapshot. */
export const persistMachine = (m: CompiledMatter, snapshot: MachineSnapshot): unknown => m.machine.getPersistedSnapshot(snapshot);

/** The machine state `persistMachine` wrote, restored with the matter's inert scope. */
export const restoreMachine = (m: CompiledMatter, persisted: unknown): MachineSnapshot =>
  m.machine.restoreSnapshot(persisted as never, m.scope.scope as never) as MachineSnapshot;

/** The top-level state: active, completed, rejected or withdrawn. */
export function machineState(snapshot: MachineSnapshot): CaseMachineState {
  const v = snapshot.value;
  return (typeof v === 'string' ? v : Object.keys(v)[0]) as CaseMachineState;
}

/** Each step region's state while the case is active. */
export function stepStates(snapshot: MachineSnapshot): Record<string, StepState> {
  const v = snapshot.value as Record<string, Record<string, StepState>> | string;
  return typeof v === 'string' ? {} : (v.active ?? {});
}
