import { describe, expect, it } from 'vitest';
import { defineMatter } from '../src/definition/definition.js';
import { miniSetup } from './fixtures.js';

const withSteps = (steps: unknown[], extra: Record<string, unknown> = {}) => () =>
  defineMatter({ ...miniSetup, id: 'lint-me', steps, ...extra } as never);

describe('a matter definition is checked when the catalogue loads', () => {
  it('refuses steps that wait for each other in a cycle, naming it', () => {
    expect(
      withSteps([
        { id: 'a', department: 'samr', service: 'a', dependsOn: ['b'], statutoryDays: 1, committedDays: 1 },
        { id: 'b', department: 'tax', service: 'b', dependsOn: ['a'], statutoryDays: 1, committedDays: 1 },
      ]),
    ).toThrow(/cycle: a -> b -> a/);
  });

  it('refuses a committed limit longer than the statutory one, for the matter and for a step', () => {
    expect(withSteps(miniSetup.steps, { committedDays: 9 })).toThrow(/committed limit 9 exceeds statutory 8/);
    expect(withSteps([{ id: 'a', department: 'samr', service: 'a', statutoryDays: 1, committedDays: 2 }])).toThrow(/step a: committed limit 2/);
  });

  it('refuses a dependency on a step that does not exist, and an unknown department', () => {
    expect(withSteps([{ id: 'a', department: 'samr', service: 'a', dependsOn: ['ghost'], statutoryDays: 1, committedDays: 1 }])).toThrow(/unknown step ghost/);
    expect(withSteps([{ id: 'a', department: 'nasa', service: 'a', statutoryDays: 1, committedDays: 1 }])).toThrow(/department/);
  });

  it('refuses an example that its own form schema rejects', () => {
    expect(() => defineMatter({ ...miniSetup, id: 'bad-example', example: { enterpriseName: 'x' } } as never)).toThrow(/example form is invalid/);
  });
});
