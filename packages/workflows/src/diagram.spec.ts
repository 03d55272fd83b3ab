import { defineMatter } from '@onematter/engine';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { compressionRatio, describeCondition, formatRatio, matterMermaid, matterOutline, matterStructure } from './diagram.js';
import { constructionProjectV1, restaurantV1 } from './index.js';

describe('a condition in words', () => {
  it.each([
    [{ field: 'sellsAlcohol', equals: true }, 'sellsAlcohol = 是'],
    [{ field: 'paymentMethod', in: ['商业贷款', '组合贷款'] }, 'paymentMethod ∈ {“商业贷款”、“组合贷款”}'],
    [{ field: 'businessAreaSqm', gte: 300 }, 'businessAreaSqm ≥ 300'],
    [{ field: 'changeItems', contains: '名称' }, 'changeItems 含 “名称”'],
    [{ field: 'utilities.gas', truthy: true }, 'utilities.gas 已填写'],
    [{ any: [{ field: 'a', equals: 1 }, { all: [{ field: 'b', lt: 2 }, { not: { field: 'c', equals: 'x' } }] }] }, 'a = 1 或 （b < 2 且 非（c = “x”））'],
  ] as const)('%j reads %s', (c, text) => {
    expect(describeCondition(c as never)).toBe(text);
  });
});

describe('the step graph', () => {
  it('groups a matter without stages in waves of parallel steps', () => {
    const [block] = matterStructure(restaurantV1);
    expect(block!.waves.map((w) => w.steps.map((s) => s.id))).toEqual([['licence'], ['seal', 'tax', 'food', 'alcohol', 'fire']]);
  });

  it('puts each stage in its own block, waves counted within the stage', () => {
    const blocks = matterStructure(constructionProjectV1);
    expect(blocks.map((b) => b.stage!.id)).toEqual(['land', 'design', 'construction', 'acceptance']);
    expect(blocks[0]!.waves.map((w) => w.steps.map((s) => s.id))).toEqual([['project-approval', 'site-and-land'], ['land-use-permit']]);
  });

  it('outlines the restaurant with its conditions in the form\'s own words', () => {
    const text = matterOutline(restaurantV1);
    expect(text).toMatch(/^restaurant v1  开办餐饮店\n法定 45 \/ 承诺 5 个工作日（压缩 88\.9%）/);
    expect(text).toContain('仅当 是否销售酒类 = 是');
    expect(text).toContain('仅当 经营面积（平方米） ≥ 300');
  });

  it('draws Mermaid with safe node ids, dashed conditional steps and shaded companies', () => {
    const m = defineMatter({
      id: 'end', version: 1, name: '测试"引号"', statutoryDays: 2, committedDays: 1, form: z.object({ x: z.boolean() }), materials: [],
      steps: [
        { id: 'end', department: 'water', service: '供水 <报装>', performer: 'company', statutoryDays: 1, committedDays: 1 },
        { id: 'graph', department: 'ca', service: '备案', dependsOn: ['end'], when: { field: 'x', equals: true }, statutoryDays: 1, committedDays: 0 },
      ],
      example: { x: true },
    });
    const text = matterMermaid(m);
    expect(text).toContain('s_end["供水 #lt;报装#gt;<br/>供水公司（企业办理） · 1/1 工作日"]');
    expect(text).toContain('start --> s_end');
    expect(text).toContain('s_end -.-> s_graph');
    expect(text).toContain('s_graph --> finish');
    expect(text).toContain('class s_graph conditional');
    expect(text).toContain('class s_end company');
    expect(text).toContain('%% 测试"引号" (end v1)');
    expect(text).not.toMatch(/^\s+end\b(?!$)/m);
  });

  it('computes the compression ratio 1 − committed/statutory', () => {
    expect(formatRatio(compressionRatio(8, 3))).toBe('62.5%');
    expect(formatRatio(compressionRatio(0, 0))).toBe('—');
  });
});
