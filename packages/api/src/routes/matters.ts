import { DEPARTMENT_NAMES, effectiveSteps, type DepartmentId, type MatterDefinition } from '@onematter/engine';
import { checkMatterText, matterFileJsonSchema, matterMermaid, problemLines, stepCondition, type MatterCheck, type MatterProblem } from '@onematter/workflows';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { problem, sendProblem } from '../problem.js';
import { actorOf, ANY_ROLE, type Role } from '../auth/roles.js';
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
      /** 即办: true, a condition on the form, or null (see docs/supervision.md). */
      onTheSpot: s.onTheSpot ?? null,
      /** 告知承诺制: the follow-up check's limit and the rule that allows it, or null. */
      commitment: s.commitment ?? null,
    })),
    /** 即办 for every step: true, a condition on the form, or null. */
    onTheSpot: m.onTheSpot ?? null,
    /** 免申即办: the data event that starts a case by itself, or null. */
    trigger: m.trigger ?? null,
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

const ADMIN: readonly Role[] = ['admin'];

/** A matter definition as sent (YAML or JSON), kept as text. */
class SourceBody {
  constructor(readonly text: string) {}
}

/** Problems as RFC 9457 `errors` (path with its line, message in Chinese and English) and as they are. */
const problemErrors = (problems: readonly MatterProblem[]) =>
  problems.map((p) => ({ path: p.path, message: `${p.line !== undefined ? `第 ${p.line} 行 (line ${p.line}) ` : ''}${p.zh} / ${p.en}` }));

const DeployQuery = z.object({ dryRun: z.enum(['true', 'false']).optional().meta({ description: 'true: check the definition and answer its preview (diagram, form, steps); record nothing' }) });

export const matterRoutes: FastifyPluginAsyncZod<{ runtime: Runtime }> = async (app, { runtime }) => {
  // A definition is read from its text as sent, YAML or JSON, so that the lines in its problems are
  // the author's own (JSON is YAML). Only these routes read bodies this way (this plugin's scope).
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(['application/json', 'application/yaml', 'application/x-yaml', 'text/yaml'], { parseAs: 'string', bodyLimit: 1_048_576 }, (_req, body, done) => done(null, new SourceBody(String(body))));

  const versionHistory = (id: string) => runtime.catalogue.versions(id).map((v) => runtime.matters.versionInfo(id, v));
  const summaryOf = (m: MatterDefinition) => {
    const info = runtime.matters.versionInfo(m.id, m.version);
    const retired = runtime.catalogue.retired?.(m.id);
    return {
      ...matterSummary(m),
      source: info.source,
      ...(info.deployedBy ? { deployedBy: info.deployedBy, deployedAt: info.deployedAt } : {}),
      retired: retired ? { by: retired.by, at: retired.at } : null,
      versionHistory: versionHistory(m.id),
    };
  };

  app.get(
    '/matters',
    {
      schema: {
        tags: ['matters'],
        summary: '事项目录: every matter, newest version (retired ones only with includeRetired=true)',
        querystring: z.object({ includeRetired: z.enum(['true', 'false']).optional() }),
      },
      config: { roles: ANY_ROLE, responses: { 200: z.array(MatterSummaryDoc) } },
    },
    async (req) =>
      runtime.catalogue
        .list()
        .filter((m) => req.query.includeRetired === 'true' || !runtime.catalogue.retired?.(m.id))
        .map(summaryOf),
  );

  app.get(
    '/matters/schema',
    { schema: { tags: ['matters'], summary: 'The JSON Schema (draft 2020-12) of a matter definition file (docs/authoring.md)' }, config: { roles: 'public' } },
    async (_req, reply) => reply.type('application/schema+json; charset=utf-8').send(matterFileJsonSchema()),
  );

  app.post(
    '/matters',
    {
      schema: {
        tags: ['matters'],
        summary: '部署事项: check a matter definition and record it as the next version of its matter (admin)',
        description:
          'Body: the definition as JSON (`content-type: application/json`) or YAML (`application/yaml`), in the format of `GET /api/v1/matters/schema` (docs/authoring.md). ' +
          'Recorded in `$matters` with who deployed it; every server on the store serves it within seconds; running cases keep their version. ' +
          'A definition equal to the newest version records nothing (200, status unchanged). 400 lists every problem, each with its path and line, in Chinese and English. ' +
          '`?dryRun=true` checks and previews it (diagram, form JSON Schema) without recording.',
        querystring: DeployQuery,
      },
      config: { roles: ADMIN },
    },
    async (req, reply) => {
      const body = req.body as unknown;
      // Recorded as received: the author's lines, and the keys in the author's order (the form's field order).
      const source = body instanceof SourceBody ? body.text : JSON.stringify(body ?? null, null, 2);
      const check: MatterCheck = checkMatterText(source);
      if (check.problems.length > 0) {
        const p = problem(400, `the matter definition has ${check.problems.length} problem(s): ${problemLines(check.problems).slice(0, 3).join('; ')}`, problemErrors(check.problems), req.url);
        return sendProblem(reply, { ...p, problems: check.problems } as typeof p);
      }
      if (req.query.dryRun === 'true') return { ok: true, recorded: false, preview: matterDetail(check.definition!, []) };
      const r = await runtime.matters.deploy(source, actorOf(req.principal, 'admin'));
      if (!r.ok) return sendProblem(reply, problem(400, 'the matter definition has problems', problemErrors(r.problems), req.url));
      const { ok: _ok, ...result } = r;
      return reply.code(r.status === 'deployed' ? 201 : 200).send({ ...result, versions: versionHistory(r.id) });
    },
  );

  app.post(
    '/matters/:id/retirement',
    {
      schema: {
        tags: ['matters'],
        summary: '停办事项: retire a matter (admin): no new cases from now; running cases go on under their version',
        params: z.object({ id: z.string().min(1).max(100) }),
      },
      config: { roles: ADMIN },
    },
    async (req, reply) => {
      const r = await runtime.matters.retire(req.params.id, actorOf(req.principal, 'admin'));
      if (!r) return sendProblem(reply, problem(404, `matter ${req.params.id} not found`, undefined, req.url));
      return reply.code(r.already ? 200 : 201).send(r);
    },
  );

  app.get(
    '/matters/:id/file',
    {
      schema: {
        tags: ['matters'],
        summary: 'A matter as a matter file (YAML), built in or deployed: it validates and deploys as it is (docs/authoring.md)',
        params: z.object({ id: z.string().min(1).max(100) }),
        querystring: z.object({ version: z.coerce.number().int().min(1).optional() }),
      },
      config: { roles: ANY_ROLE },
    },
    async (req, reply) => {
      const file = runtime.matters.fileOf(req.params.id, req.query.version);
      if (!file) return sendProblem(reply, problem(404, `matter ${req.params.id}${req.query.version ? ` version ${req.query.version}` : ''} not found`, undefined, req.url));
      return reply
        .type('application/yaml; charset=utf-8')
        .header('content-disposition', `inline; filename="${req.params.id}.v${file.version}.yaml"`)
        .send(file.text);
    },
  );

  app.get(
    '/matters/:id',
    {
      schema: {
        tags: ['matters'],
        summary: 'A matter definition: form JSON Schema, materials, steps with dependencies and limits, and an example form',
        params: z.object({ id: z.string().min(1).max(100) }),
        querystring: z.object({
          version: z.coerce.number().int().min(1).optional(),
          asOf: z.iso.datetime({ offset: true }).optional().meta({ description: 'The catalogue as it stood at this moment: deploys and retirements after it not applied.' }),
        }),
      },
      config: { roles: ANY_ROLE },
    },
    async (req, reply) => {
      const catalogue = req.query.asOf ? runtime.matters.asOf(req.query.asOf) : runtime.catalogue;
      const m = catalogue.get(req.params.id, req.query.version);
      if (!m) {
        const what = req.query.version ? `matter ${req.params.id} version ${req.query.version}` : `matter ${req.params.id}`;
        return sendProblem(reply, problem(404, `${what} not found${req.query.asOf ? ` as of ${req.query.asOf}` : ''}`, undefined, req.url));
      }
      const retired = catalogue.retired?.(req.params.id);
      return {
        ...matterDetail(m.definition, catalogue.versions(req.params.id)),
        versionHistory: catalogue.versions(req.params.id).map((v) => runtime.matters.versionInfo(req.params.id, v)),
        retired: retired ? { by: retired.by, at: retired.at } : null,
      };
    },
  );
};
