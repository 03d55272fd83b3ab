import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { MATTER_DEFINITIONS } from './index.js';

/** What the case page, the receipt and the dossier label a department's output with. */
describe('output titles', () => {
  it('every field every step returns has a Chinese title in its JSON Schema, and the examples still pass', () => {
    const untitled: string[] = [];
    for (const m of MATTER_DEFINITIONS) {
      for (const s of m.steps) {
        if (!s.output) continue;
        const schema = z.toJSONSchema(s.output, { unrepresentable: 'any' }) as { properties?: Record<string, { title?: string; items?: { properties?: Record<string, { title?: string }> } }> };
        for (const [k, p] of Object.entries(schema.properties ?? {})) {
          if (!p.title || !/[\u4e00-\u9fa5]/.test(p.title)) untitled.push(`${m.id} v${m.version} ${s.id}.${k}`);
          for (const [ik, ip] of Object.entries(p.items?.properties ?? {})) if (!ip.title) untitled.push(`${m.id} ${s.id}.${k}[].${ik}`);
        }
        if (s.outputExample) expect(s.output.safeParse(s.outputExample).success, `${m.id}.${s.id}`).toBe(true);
      }
    }
    expect(untitled).toEqual([]);
  });
});
