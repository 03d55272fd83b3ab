import { complianceChecks, toCaseView } from '@onematter/engine';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { departmentScope } from '../auth/plugin.js';
import { actorOf, WINDOW } from '../auth/roles.js';
import { problem, sendDomainError, sendProblem } from '../problem.js';
import type { Runtime } from '../runtime.js';
import { ApplicantReviewBody, CaseIdParams, ComplianceCheckBody, DeferredMaterialsBody, VisitBody } from './schemas.js';
import { startTriggeredCases, TriggerBody } from './triggers.js';

/** The service modes' own actions on a case (issue 15): 跑动, 容缺材料, 事中事后核查, 邮寄签收, and 免申即办 triggers. */
export const modeRoutes: FastifyPluginAsyncZod<{ runtime: Runtime }> = async (app, { runtime }) => {
  const { handler } = runtime;
  const view = (s: Parameters<typeof toCaseView>[0]) => toCaseView(s, runtime.timeLimits.timeLimitContext());

  app.post(
    '/cases/:id/visits',
    {
      schema: { tags: ['cases'], summary: '跑动: record a visit of the applicant to the centre (to supplement, collect, ask)', params: CaseIdParams, body: VisitBody },
      config: { roles: WINDOW },
    },
    async (req, reply) => {
      const b = req.body;
      const r = await handler.execute(req.params.id, (now) => ({ type: 'RecordVisit', data: { purpose: b.purpose, ...(b.note ? { note: b.note } : {}) }, now }), actorOf(req.principal, 'clerk'));
      if (!r.ok) return sendDomainError(reply, r.error);
      return reply.code(201).send(view(r.value.state));
    },
  );

  app.post(
    '/cases/:id/applicant-review',
    {
      schema: {
        tags: ['cases'],
        summary: '帮办代办: the applicant confirms (agreed) or objects to what the 代办员 submitted for them, once; the timeline says which',
        description: 'Only on a case filed by an agent (409 otherwise). The same review again records nothing; a different one is 409. An applicant may review only their own cases.',
        params: CaseIdParams,
        body: ApplicantReviewBody,
      },
      config: { roles: ['applicant', 'admin'] },
    },
    async (req, reply) => {
      const b = req.body;
      const r = await handler.execute(
        req.params.id,
        (now) => ({ type: 'ReviewAgentSubmission', data: { agreed: b.agreed, ...(b.comment ? { comment: b.comment } : {}) }, now }),
        actorOf(req.principal, 'applicant'),
      );
      if (!r.ok) return sendDomainError(reply, r.error);
      return reply.code(201).send(view(r.value.state));
    },
  );

  app.post(
    '/cases/:id/deferred-materials',
    {
      schema: { tags: ['cases'], summary: '容缺材料补交: the applicant brings materials promised at a 容缺 acceptance; once all are in, results may be issued', params: CaseIdParams, body: DeferredMaterialsBody },
      config: { roles: WINDOW },
    },
    async (req, reply) => {
      const r = await handler.execute(req.params.id, (now) => ({ type: 'ProvideDeferredMaterials', data: { materials: req.body.materials }, now }), actorOf(req.principal, 'clerk'));
      if (!r.ok) return sendDomainError(reply, r.error);
      return view(r.value.state);
    },
  );

  app.post(
    '/cases/:id/compliance-checks/:checkId',
    {
      schema: {
        tags: ['cases'],
        summary: '事中事后核查: the result of the follow-up check of an approval on commitment (告知承诺制); failed revokes the approval (撤销) and withdraws its result',
        params: CaseIdParams.extend({ checkId: z.string().min(1).max(200) }),
        body: ComplianceCheckBody,
      },
      config: { roles: ['department', 'supervisor', 'admin'] },
    },
    async (req, reply) => {
      const b = req.body;
      const department = departmentScope(req);
      const r = await handler.execute(
        req.params.id,
        (now) => ({ type: 'RecordComplianceCheck', data: { checkId: req.params.checkId, outcome: b.outcome, findings: b.findings, checkedBy: b.checkedBy, ...(department ? { department } : {}) }, now }),
        actorOf(req.principal, 'department'),
      );
      if (!r.ok) return sendDomainError(reply, r.error);
      return view(r.value.state);
    },
  );

  app.get(
    '/compliance-checks',
    {
      schema: {
        tags: ['supervision'],
        summary: '核查待办: the 告知承诺 follow-up checks, by state (due by default), oldest limit first',
        description: 'A department sees only its own checks. Each with its limit (dueAt) and light.',
        querystring: z.object({ department: z.string().max(50).optional(), state: z.enum(['due', 'passed', 'failed']).default('due') }),
      },
      config: { roles: ['department', 'supervisor', 'auditor', 'admin'] },
    },
    async (req, reply) => {
      const own = departmentScope(req);
      if (own && req.query.department && req.query.department !== own) {
        return sendProblem(reply, problem(403, `department ${own} may list only its own checks, not ${req.query.department}'s`, undefined, req.url));
      }
      const department = own ?? req.query.department;
      await runtime.timeLimits.projection.catchUp();
      const items = complianceChecks(runtime.timeLimits.projection.cases.values(), { ...(department ? { department } : {}), state: req.query.state }, runtime.timeLimits.calendar, runtime.clock);
      return { asOf: runtime.clock.now().toISOString(), items };
    },
  );

  app.post(
    '/cases/:id/deliveries/:trackingNumber/confirmation',
    {
      schema: { tags: ['cases'], summary: '邮寄签收: the carrier delivered the results posted under this tracking number', params: CaseIdParams.extend({ trackingNumber: z.string().min(1).max(100) }) },
      config: { roles: WINDOW },
    },
    async (req, reply) => {
      const r = await handler.execute(req.params.id, (now) => ({ type: 'ConfirmDelivery', data: { trackingNumber: req.params.trackingNumber }, now }), actorOf(req.principal, 'clerk'));
      if (!r.ok) return sendDomainError(reply, r.error);
      return view(r.value.state);
    },
  );

  app.post(
    '/triggers',
    {
      schema: {
        tags: ['cases'],
        summary: '免申即办: a data event (e.g. a residents\' registry event) starts the cases of every matter whose trigger it meets, once per event',
        description:
          'The HTTP twin of the trigger topics for the embedded bus. The case id is derived from the matter and the event\'s id, so a redelivered event answers with the existing case (`created: false`) and records nothing.',
        body: TriggerBody,
      },
      config: { roles: ['admin', 'clerk'] },
    },
    async (req, reply) => {
      const r = await startTriggeredCases(runtime, req.body.topic, req.body.event, actorOf(req.principal, 'system'));
      if ('problem' in r) return sendDomainError(reply, r.problem);
      const cases = r.cases.map(({ state, ...c }) => ({ ...c, case: view(state) }));
      return reply.code(r.cases.some((c) => c.created) ? 201 : 200).send({ topic: r.topic, cases });
    },
  );
};

