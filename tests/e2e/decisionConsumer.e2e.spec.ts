import { simulatedOutput } from '@onematter/adapters';
import type { BusMessage, TaskMessage } from '@onematter/engine';
import { enterpriseSetupV1 } from '@onematter/workflows';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually, testApp, type TestApp } from '../support/app.js';

/**
 * How the decision consumer tells what a retry can fix from what it cannot, on its own
 * (without the bounds of JSON input in front of it): processing that throws a RangeError,
 * TypeError or SyntaxError fails the same way every time, so the decision goes to the
 * dead-letter topic; anything else (the store away) is retried until it works.
 * The same over the real broker: tests/kafka/decisions.int.spec.ts.
 */
let t: TestApp;
const tasks: TaskMessage[] = [];
const deadLetters: BusMessage[] = [];

beforeAll(async () => {
  t = await testApp();
  const { bus, topics } = t.runtime;
  await bus.subscribe(topics.tasks('samr'), async (m) => void tasks.push(m.value as TaskMessage), { group: 'samr-test' });
  await bus.subscribe(topics.decisionsDlq, async (m) => void deadLetters.push(m), { group: 'dlq-test' });
});
afterAll(() => t?.close());

const startCase = async (): Promise<TaskMessage> => {
  const r = await t.app.inject({ method: 'POST', url: '/api/v1/cases', payload: { matter: enterpriseSetupV1.id, applicant: enterpriseSetupV1.exampleApplicant, form: enterpriseSetupV1.example } });
  expect(r.statusCode).toBe(201);
  const caseId = (r.json() as { id: string }).id;
  return eventually(() => tasks.find((task) => task.caseId === caseId), 10_000, 'the samr task');
};
const decide = (task: TaskMessage, decisionId: string) =>
  t.runtime.bus.publish([
    { topic: t.runtime.topics.decisionsFrom('samr'), key: task.caseId, headers: {}, value: { decisionId, taskId: task.taskId, decision: 'approved', output: simulatedOutput(task) } },
  ]);
const samrStatus = async (task: TaskMessage) => (await t.app.inject({ method: 'GET', url: `/api/v1/cases/${task.caseId}` })).json().tasks.find((x: { id: string }) => x.id === task.taskId).status as string;

it('dead-letters a decision whose processing throws a RangeError, and records the next one for the same task', async () => {
  const task = await startCase();
  const store = t.runtime.store;
  const append = store.append;
  store.append = async () => {
    throw new RangeError('Maximum call stack size exceeded');
  };
  try {
    await decide(task, 'samr-overflow');
  } finally {
    store.append = append;
  }
  const dead = deadLetters.find((m) => (m.value as { decisionId: string }).decisionId === 'samr-overflow');
  expect(dead?.headers['dlq-reason']).toBe('unprocessable: RangeError: Maximum call stack size exceeded');
  expect(dead?.headers['dlq-topic']).toBe(t.runtime.topics.decisionsFrom('samr'));
  expect(await samrStatus(task)).toBe('pending');

  await decide(task, 'samr-fine');
  expect(await samrStatus(task)).toBe('approved');
  const metrics = (await t.app.inject({ method: 'GET', url: '/api/v1/metrics' })).body;
  expect(metrics).toMatch(/onematter_dlq_messages_total\{kind="unprocessable"\} 1\b/);
});

it('retries a decision while the store fails for a reason that may pass, and records it once the store is back', async () => {
  const task = await startCase();
  const store = t.runtime.store;
  const append = store.append;
  let failures = 0;
  store.append = async () => {
    failures++;
    throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
  };
  const published = decide(task, 'samr-patient');
  try {
    await eventually(() => failures >= 3 || undefined, 10_000, 'three failed attempts');
  } finally {
    store.append = append;
  }
  await published;
  expect(await samrStatus(task)).toBe('approved');
  expect(deadLetters.some((m) => (m.value as { decisionId: string }).decisionId === 'samr-patient')).toBe(false);
});
