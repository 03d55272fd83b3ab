import { defineMatter } from '@onematter/engine';
import { z } from 'zod';
import { titled } from '../outputTitles.js';
import { Person, RefNumber } from '../fields.js';

/**
 * 老年证 issued without an application (免申即办). 兰考 has issued the 老年证 since 2019 to
 * every resident who turns 60, from shared data, without being asked (shared/MATTERS.md,
 * "Service modes"); 国发〔2024〕3号 names 政策服务免申办 as a method. The engine starts the
 * case itself when the residents' registry publishes a `BirthdayReached` event with age 60
 * or more on `registry.residents` (one case per event, however often it is delivered).
 *
 * Department: 民政局 (inferred: the issuing office differs by place — 民政 or the 老龄办 —
 * and was not verified). Limits: no law sets one (null); committed 5 working days (the
 * centre's own setting, inferred). 高龄津贴 is not included: its age and amount are set
 * locally and were not verified.
 */

const form = z.object({
  person: Person.meta({ title: '老年人' }),
  age: z.number().int().min(60, '老年证发给年满 60 周岁的老年人（60 or older）').max(150).meta({ title: '年龄' }),
});

export const seniorCardV1 = defineMatter({
  id: 'senior-card',
  version: 1,
  name: '老年证（免申即办）',
  description: '年满 60 周岁的居民由户籍数据自动触发，无需申请，民政部门核发老年证。',
  statutoryDays: null,
  committedDays: 5,
  form,
  materials: [],
  trigger: {
    topic: 'registry.residents',
    when: { all: [{ field: 'type', equals: 'BirthdayReached' }, { field: 'age', gte: 60 }] },
    eventId: 'eventId',
    applicant: { name: 'person.name', idNumber: 'person.idNumber', phone: 'person.phone' },
    form: { person: 'person', age: 'age' },
  },
  steps: [
    {
      id: 'card',
      department: 'ca',
      service: '老年证核发',
      statutoryDays: null,
      committedDays: 5,
      output: titled(z.object({ cardNumber: RefNumber('LN') }).loose()),
      outputExample: { cardNumber: 'LN410225202600001' },
    },
  ],
  example: { person: { name: '赵桂兰', idNumber: '410225196612052015', phone: '13900139000' }, age: 60 },
  exampleApplicant: { name: '赵桂兰', idType: 'resident-id', idNumber: '410225196612052015', phone: '13900139000' },
});
