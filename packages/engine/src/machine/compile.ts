import { assign, initialTransition, setup, transition, type AnyMachineSnapshot } from 'xstate';
import type { MatterDefinition } from '../definition/definition.js';
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
}

export type MachineEvent =
  | { type: 'DECISION'; step: string; decision: Decision; output?: Record<string, unknown> }
  | { type: 'SUPPLEMENT' }
  | { type: 'WITHDRAW' };

export type StepState = 'waiting' | 'pending' | 'supplement' | 'approved';
export type CaseMachineState = 'active' | 'completed' | 'rejected' | 'withdrawn';

export function compileMatter(def: MatterDefinition) {
  const machineSetup = setup({
    types: {
      context: {} as MachineContext,
      events: {} as MachineEvent,
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
        params.dependsOn.every((d) => context.outputs[d] !== undefined),
      decisionIs: ({ event }, params: { step: string; decision: Decision }) =>
        event.type === 'DECISION' && event.step === params.step && event.decision === params.decision,
    },
  });

  const regions = Object.fromEntries(
    def.steps.map((s) => [
      s.id,
      {
        initial: s.dependsOn.length > 0 ? 'waiting' : 'pending',
        states: {
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
    context: { outputs: {} },
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

  return { definition: def, machine };
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

export function startMachine(m: CompiledMatter): Step {
  const [snapshot, actions] = initialTransition(m.machine);
  return { snapshot, dispatched: dispatchedSteps(actions) };
}

export function stepMachine(m: CompiledMatter, snapshot: MachineSnapshot, event: MachineEvent): Step {
  const [next, actions] = transition(m.machine, snapshot as never, event);
  return { snapshot: next, dispatched: dispatchedSteps(actions) };
}

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
