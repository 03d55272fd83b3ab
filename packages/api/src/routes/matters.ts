import { DEPARTMENT_NAMES, effectiveSteps, type DepartmentId, type MatterDefinition } from '@onematter/engine';
import { matterMermaid, stepCondition } from '@onematter/workflows';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { problem, sendProblem } from '../problem.js';
import { ANY_ROLE } from '../auth/roles.js';
import type { Runtime } from '../runtime.js';
import { MatterSummaryDoc } from './responses.js';

const jsonSchemaOf = (schema: z.ZodType) => z.toJSONSchema(schema, { unrepresentable: 'any', io: 'input' });

export const matterSummary = (m: MatterDefinition) => ({
  id: m.id,
  version: m.version,
  name: m.name,
  departments: [...new Set(m.steps.map((s) => s.department))],
  statutoryDays: m.statutoryDays,
  committedDays: m.committedDays,
});

export function matterDetail(m: MatterDefinition, versions: number[]) {
  return {
    ...matterSummary(m),
    description: m.description,
    /** The case clock's law: statutoryDays above is null where no law sets one for the whole matter. */
    statutoryBasis: m.statutoryBasis,
    extensionDays: m.extensionDays,
    extensionBasis: m.extensionBasis,
    supplementPausesStatutory: m.supplementPausesStatutory,
    supplementPauseBasis: m.supplementPauseBasis,
    versions,
    formSchema: jsonSchemaOf(m.form),
    materials: m.materials,
    stages: m.stages,
    steps: effectiveSteps(m).map((s) => ({
      id: s.id,
      department: s.department,
      departmentName: DEPARTMENT_NAMES[s.department as DepartmentId] ?? s.department,
      service: s.service,
      dependsOn: s.dependsOn,
      stage: s.stage ?? null,
      performer: s.performer,
      when: s.when ?? null,
      /** The condition in words, with the form's field titles (e.g. 是否销售酒类 = 是). */
      condition: stepCondition(m, s) ?? null,
      /** null: no law sets one (无法定时限). */
      statutoryDays: s.statutoryDays,
      /** The law and article, e.g. 《市场主体登记管理条例》第十九条. */
      statutoryBasis: s.statutoryBasis,
      /** Working days it may be extended once (延长); null: none allowed. */
      extensionDays: s.extensionDays,
      extensionBasis: s.extensionBasis,
      committedDays: s.committedDays,
      outputSchema: s.output ? jsonSchemaOf(s.output) : null,
      outputExample: s.outputExample ?? null,
    })),
    example: m.example,
    /** Valid forms that take the other branches of the conditional steps. */
    otherExamples: m.otherExamples,
    exampleApplicant: m.exampleApplicant ?? null,
    /** The step graph as a Mermaid flowchart (the workbench draws it). */
    mermaid: matterMermaid(m),
    exampleRequest: {
      matter: m.id,
      applicant: m.exampleApplicant ?? null,
      form: m.example,
      materials: m.materials.filter((x) => x.required).map((x) => x.code),
    },
  };
}

export const matterRoutes: FastifyPluginAsyncZod<{ runtime: Runtime }> = async (app, { runtime }) => {
  app.get('/matters', { schema: { tags: ['matters'], summary: '事项目录: every matter, newest version' }, config: { roles: ANY_ROLE, responses: { 200: z.array(MatterSummaryDoc) } } }, async () =>
    runtime.catalogue.list().map(matterSummary),
  );

  app.get(
    '/matters/:id',
    {
      schema: {
        tags: ['matters'],
        summary: 'A matter definition: form JSON Schema, materials, steps with dependencies and limits, and an example form',
        params: z.object({ id: z.string().min(1).max(100) }),
        querystring: z.object({ version: z.coerce.number().int().min(1).optional() }),
      },
      config: { roles: ANY_ROLE },
    },
    async (req, reply) => {
      const m = runtime.catalogue.get(req.params.id, req.query.version);
      if (!m) {
        const what = req.query.version ? `matter ${req.params.id} version ${req.query.version}` : `matter ${req.params.id}`;
        return sendProblem(reply, problem(404, `${what} not found`, undefined, req.url));
      }
      return matterDetail(m.definition, runtime.catalogue.versions(req.params.id));
    },
  );
};
