/**
 * The national key matters written as files (packages/workflows/matters/national, issue 16
 * item 5): each loads with the same loader as a deploy, without a problem; its example and
 * other examples pass its own form; between them the examples take every branch of its
 * conditional steps; and the file names where its facts come from.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { evaluateCondition } from '@onematter/engine';
import { describe, expect, it } from 'vitest';
import { checkMatterText, problemLines } from './load.js';

const DIR = resolve(import.meta.dirname, '../../matters/national');
const files = readdirSync(DIR).filter((f) => /\.(ya?ml|json)$/.test(f)).sort();

describe('the national key matters as files', () => {
  it('has files to check', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  describe.each(files)('%s', (name) => {
    const text = readFileSync(join(DIR, name), 'utf8');
    const r = checkMatterText(text);

    it('loads as a deploy would, without a problem, under its own file name', () => {
      expect(problemLines(r.problems, name)).toEqual([]);
      expect(r.definition!.id).toBe(name.replace(/\.(ya?ml|json)$/, ''));
    });

    it('its example and other examples pass its own form', () => {
      const d = r.definition!;
      const forms = [d.example, ...d.otherExamples.map((o) => o.form)];
      for (const form of forms) {
        const parsed = d.form.safeParse(form);
        expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
      }
    });

    it('between its examples, every conditional step both applies and is skipped', () => {
      const d = r.definition!;
      const forms = [d.example, ...d.otherExamples.map((o) => o.form)];
      for (const step of d.steps.filter((s) => s.when)) {
        const applies = forms.map((f) => evaluateCondition(step.when!, f));
        expect(applies, `step ${step.id}`).toContain(true);
        expect(applies, `step ${step.id}`).toContain(false);
      }
    });

    it('names its sources, and every statutory limit its legal basis', () => {
      expect(text).toMatch(/^# Sources/m);
      expect(text).toMatch(/https?:\/\/\S+/);
      const d = r.definition!;
      for (const l of [d, ...d.steps]) if (l.statutoryDays !== null) expect(l.statutoryBasis, l.id).toMatch(/^《.+》第.+条/);
    });
  });
});
