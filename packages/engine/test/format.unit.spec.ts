import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createCatalogue } from '../src/definition/catalogue.js';
import { defineMatter, evaluateCondition, type Condition } from '../src/definition/definition.js';
import { skippedSteps } from '../src/machine/compile.js';
import { building, miniSetup, restaurant } from './fixtures.js';

/** The format additions of the national catalogue: thresholds, multiple choices, stage limits, more examples. */

describe('a condition compares a number with a threshold, or looks into a multiple choice', () => {
  const form = { area: 300, works: 0, services: ['交通出行', '文化旅游'], nested: { count: 2 } };
  it.each<[Condition, boolean]>([
    [{ field: 'area', gte: 300 }, true],
    [{ field: 'area', gt: 300 }, false],
    [{ field: 'works', gt: 0 }, false],
    [{ field: 'area', lt: 300 }, false],
    [{ field: 'nested.count', lte: 2 }, true],
    [{ field: 'missing', lte: 2 }, false],
    [{ field: 'services', gte: 1 }, false],
    [{ field: 'services', contains: '交通出行' }, true],
    [{ field: 'services', contains: '医疗' }, false],
    [{ field: 'area', contains: 300 }, false],
    [{ not: { field: 'missing', gt: 0 } }, true],
  ])('%j is %s', (c, expected) => {
    expect(evaluateCondition(c, form)).toBe(expected);
  });

  it('decides a step from a threshold at start: the fire check applies from 300 m²', () => {
    const m = defineMatter({
      id: 'dining', version: 1, name: '餐饮', statutoryDays: 20, committedDays: 5, form: z.object({ area: z.number() }), materials: [],
      steps: [
        { id: 'licence', department: 'samr', service: '营业执照', statutoryDays: 3, committedDays: 1 },
        { id: 'fire', department: 'fire', service: '消防安全检查', when: { field: 'area', gte: 300 }, statutoryDays: 10, committedDays: 3 },
      ],
      example: { area: 80 },
    });
    const compiled = createCatalogue([m]).get('dining')!;
    expect(skippedSteps(compiled.definition, { area: 80 })).toEqual({ fire: true });
    expect(skippedSteps(compiled.definition, { area: 300 })).toEqual({});
  });

  it('refuses a threshold that is not a number', () => {
    expect(() => defineMatter({ ...miniSetup, id: 'x', steps: [{ ...miniSetup.steps[0]!, when: { field: 'a', gte: '3' } }] } as never)).toThrow(/when/);
  });
});

describe('stages carry a lead who works in them, and may carry limits that bind their steps', () => {
  it('refuses a lead department that does no step of its stage', () => {
    const stages = [{ ...building.stages[0]!, lead: 'mohurd' }, building.stages[1]!];
    expect(() => defineMatter({ ...building, id: 'b2', stages } as never)).toThrow(/stage land: its lead mohurd does no step of the stage/);
  });

  it('refuses a stage whose committed limit exceeds its statutory one, or a step that promises longer than its stage', () => {
    const late = [{ ...building.stages[0]!, statutoryDays: 10, committedDays: 20 }, building.stages[1]!];
    expect(() => defineMatter({ ...building, id: 'b3', stages: late } as never)).toThrow(/stage land: committed limit 20 exceeds statutory 10/);
    const tight = [{ ...building.stages[0]!, statutoryDays: 45, committedDays: 4 }, building.stages[1]!];
    expect(() => defineMatter({ ...building, id: 'b4', stages: tight } as never)).toThrow(/step site: committed limit 5 exceeds its stage land's 4/);
  });

  it('accepts stage limits that hold', () => {
    const ok = [{ ...building.stages[0]!, statutoryDays: 45, committedDays: 5 }, { ...building.stages[1]!, statutoryDays: 45, committedDays: 10 }];
    expect(defineMatter({ ...building, id: 'b5', stages: ok } as never).stages[0]).toMatchObject({ statutoryDays: 45, committedDays: 5 });
  });
});

describe('examples are checked when the catalogue loads', () => {
  it('refuses another example that the form rejects, naming it', () => {
    expect(() =>
      defineMatter({ ...restaurant, id: 'r2', otherExamples: [{ title: '卖酒的酒馆', form: { name: '酒馆', sellsAlcohol: 'yes', seats: 10 } }] } as never),
    ).toThrow(/example "卖酒的酒馆" is invalid/);
  });

  it('keeps valid other examples, and none by default', () => {
    const r = defineMatter({ ...restaurant, id: 'r3', otherExamples: [{ title: '卖酒的酒馆', form: { name: '酒馆', sellsAlcohol: true, seats: 10 } }] } as never);
    expect(r.otherExamples).toHaveLength(1);
    expect(restaurant.otherExamples).toEqual([]);
  });

  it('refuses an outputExample that its own output schema rejects: integrators copy it', () => {
    const steps = [{ ...miniSetup.steps[0]!, outputExample: { uscc: 'short' } }, ...miniSetup.steps.slice(1)];
    expect(() => defineMatter({ ...miniSetup, id: 'm2', steps } as never)).toThrow(/step samr's outputExample fails its output schema/);
  });
});
