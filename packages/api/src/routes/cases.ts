import { decide, decodeCursor, initialCaseState, isSameStart, streamIntegrity, toCaseView, type StartCase, type StoredEvent } from '@onematter/engine';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { v5 as uuidv5, v7 as uuidv7 } from 'uuid';
import { z } from 'zod';
import { problem, sendDomainError, sendProblem } from '../problem.js';
import { applicantScope, departmentScope } from '../auth/plugin.js';
import { actorOf, CASE_READERS, OWN_CASE_READERS, WINDOW } from '../auth/roles.js';
import { CaseNumbers } from '../caseNumbers.js';
import type { Runtime } from '../runtime.js';
import { CaseIdParams, CaseListQuery, MaterialsNoticeBody, StartCaseBody, SupplementBody, WithdrawBody } from './schemas.js';
import { CasePageDoc, CaseViewDoc, CaseViewWithIntegrityDoc, EventDoc, PROBLEMS, ProblemDoc } from './responses.js';

/** Case ids for Idempotency-Key requests are derived from the key: same key, same case. */
const IDEMPOTENCY_NAMESPACE = '6f1c2f0e-6a43-4d3b-9a55-0e7c1d2b9f10';
/** More than a start ever records (CaseStarted, the visit, acceptance, a dispatch or skip per step, 即办 decisions). */
const START_EVENTS_READ = 256;

export const eventView = (e: StoredEvent) => ({
  position: e.position,
  globalPosition: e.globalPosition,
  type: e.type,
  data: e.data,
  metadata: e.metadata,
  recordedAt: e.recordedAt,
  hash: e.hash,
  prevHash: e.prevHash,
});

export const caseRoutes: FastifyPluginAsyncZod<{ runtime: Runtime }> = async (app, { runtime }) => {
  const { handler } = runtime;
  const numbers = new CaseNumbers(runtime.store);

  app.post(
    '/cases',
    {
      schema: {
        tags: ['cases'],
        summary: '一窗受理: start a case from one form',
        description:
          'Validates the applicant, the form against the matter\'s schema and the materials (一次告知: every problem at once). Answers 201 only after the case\'s events are durable. Send `Idempotency-Key` to make retries safe: the same key with the same request answers 201 with the same case (header `Idempotent-Replayed: true`); the same key with a different request answers 409.',
        body: StartCaseBody,
        headers: z.object({ 'idempotency-key': z.string().min(1).max(200).optional() }).loose(),
      },
      config: { roles: [...WINDOW, 'agent'], responses: { 201: CaseViewDoc, 409: ProblemDoc, ...PROBLEMS } },
    },
    async (req, reply) => {
      const key = req.headers['idempotency-key'];
      const caseId = key ? uuidv5(`${key}`, IDEMPOTENCY_NAMESPACE) : uuidv7();
      const body = req.body;
      // 帮办代办: an agent applies only on an applicant's authorisation, recorded with the case.
      const agentCaller = req.principal?.role === 'agent';
      if (agentCaller && !body.agent) {
        return sendProblem(reply, problem(400, 'an agent applies on the applicant\'s authorisation', [{ path: 'agent.authorisation', message: '代办须提交申请人的授权委托书（authorisation required）' }], req.url));
      }
      const data: StartCase['data'] = {
        caseId,
        matter: body.matter,
        applicant: body.applicant,
        form: body.form,
        ...(body.materials ? { materials: body.materials } : {}),
        ...(key ? { idempotencyKey: key } : {}),
        ...(body.acceptance ? { acceptance: body.acceptance } : {}),
        ...(body.channel ? { channel: body.channel } : {}),
        ...(body.onTheSpot ? { onTheSpot: { officer: body.onTheSpot.officer, ...(body.onTheSpot.outputs ? { outputs: body.onTheSpot.outputs } : {}) } } : {}),
        ...(body.deferred ? { deferred: body.deferred } : {}),
        ...(body.agent ? { agent: { id: req.principal?.id ?? 'agent', name: body.agent.name, authorisation: body.agent.authorisation } } : {}),
      };
      // 办件编号: given once the application would be recorded (a retry with the same key keeps the first one).
      const [first] = key ? await runtime.store.readStream(caseId, { maxCount: 1 }) : [];
      if (!first && decide(runtime.catalogue, { type: 'StartCase', data, now: runtime.clock.now().toISOString() }, initialCaseState()).ok) {
        data.caseNumber = await numbers.allocate(caseId, runtime.clock.now(), actorOf(req.principal, 'clerk'));
      }
      const r = await handler.execute(caseId, (now) => ({ type: 'StartCase', data, now }), actorOf(req.principal, 'clerk'));
      if (!r.ok) {
        if (key && r.error.kind === 'Conflict') {
          const recorded = await runtime.store.readStream(caseId, { maxCount: START_EVENTS_READ });
          const existing = await handler.load(caseId);
          if (recorded[0]?.type === 'CaseStarted' && existing.kind === 'started') {
            // Same key, same request: the same case. Same key, another request: refused, never silently dropped.
            if (!isSameStart(runtime.catalogue, recorded, data)) {
              const message = `Idempotency-Key ${JSON.stringify(key)} was already used for case ${caseId} with a different request; send a new key for a new application`;
              return sendProblem(reply, problem(409, message, [{ path: 'headers.idempotency-key', message: '此幂等键已用于另一份申请（the key was used for a different request）' }], req.url));
            }
            return reply.code(201).header('location', `/api/v1/cases/${caseId}`).header('idempotent-replayed', 'true').send(toCaseView(existing, runtime.timeLimits.timeLimitContext()));
          }
        }
        return sendDomainError(reply, r.error);
      }
      return reply.code(201).header('location', `/api/v1/cases/${caseId}`).send(toCaseView(r.value.state, runtime.timeLimits.timeLimitContext()));
    },
  );

  app.get(
    '/cases',
    {
      schema: { tags: ['cases'], summary: '办件列表: paginated, newest first', description: 'A department sees only the cases that involve it; an applicant (申请人) only the cases filed under their own ID number (我的办件).', querystring: CaseListQuery },
      config: { roles: OWN_CASE_READERS, responses: { 200: CasePageDoc, ...PROBLEMS } },
    },
    async (req, reply) => {
      const own = departmentScope(req);
      if (own && req.query.department && req.query.department !== own) {
        return sendProblem(reply, problem(403, `department ${own} may list only its own cases, not ${req.query.department}'s`, undefined, req.url));
      }
      const q = own ? { ...req.query, department: own } : req.query;
      // 我的办件: an applicant lists only the cases filed under their own ID number.
      const applicantId = applicantScope(req);
      if (q.cursor) {
        try {
          decodeCursor(q.cursor);
        } catch {
          return sendProblem(reply, problem(400, 'invalid cursor', [{ path: 'query.cursor', message: 'not a cursor from a previous page' }], req.url));
        }
      }
      // Answered as the projection made the text (CasePageDoc): the work queues are polled over and over.
      const page = await runtime.caseList.queryJson({
        limit: q.limit,
        ...(q.status ? { status: q.status } : {}),
        ...(q.matter ? { matter: q.matter } : {}),
        ...(q.department ? { department: q.department } : {}),
        ...(q.taskStatus ? { taskStatus: q.taskStatus } : {}),
        ...(q.cursor ? { cursor: q.cursor } : {}),
        ...(q.q ? { q: q.q } : {}),
        ...(applicantId ? { applicantId } : {}),
      });
      return reply.type('application/json; charset=utf-8').send(page);
    },
  );

  app.get(
    '/cases/:id',
    {
      schema: {
        tags: ['cases'],
        summary: '办件详情: status, tasks and outputs',
        description:
          '`integrity` says whether the case\'s hash chain verifies as stored now: `intact: false` names the first position that cannot be trusted and why (the record was edited in the store). The daily anchors are checked by GET /cases/:id/verification.',
        params: CaseIdParams,
      },
      config: { roles: OWN_CASE_READERS, responses: { 200: CaseViewWithIntegrityDoc, ...PROBLEMS } },
    },
    async (req, reply) => {
      const [state, events] = await Promise.all([handler.loadLatest(req.params.id), runtime.store.readStream(req.params.id)]);
      if (state.kind !== 'started') return sendProblem(reply, problem(404, `case ${req.params.id} not found`, undefined, req.url));
      const integrity = streamIntegrity(req.params.id, events);
      if (!integrity.intact) req.log.warn({ caseId: req.params.id, problem: integrity.problem }, 'case read whose hash chain does not verify');
      return { ...toCaseView(state, runtime.timeLimits.timeLimitContext()), integrity };
    },
  );

  app.get(
    '/cases/:id/events',
    { schema: { tags: ['cases'], summary: 'The case\'s event stream, hash-chained', params: CaseIdParams }, config: { roles: OWN_CASE_READERS, responses: { 200: z.array(EventDoc), ...PROBLEMS } } },
    async (req, reply) => {
      const events = await runtime.store.readStream(req.params.id);
      if (events.length === 0) return sendProblem(reply, problem(404, `case ${req.params.id} not found`, undefined, req.url));
      return events.map(eventView);
    },
  );

  app.post(
    '/cases/:id/supplements',
    { schema: { tags: ['cases'], summary: '补正: record the materials the applicant supplemented (only those a department asked for; any other is 400, naming what was asked)', params: CaseIdParams, body: SupplementBody }, config: { roles: WINDOW, responses: { 200: CaseViewDoc, 409: ProblemDoc, ...PROBLEMS } } },
    async (req, reply) => {
      const body = req.body;
      const r = await handler.execute(
        req.params.id,
        (now) => ({ type: 'ProvideSupplement', data: { materials: body.materials, ...(body.note ? { note: body.note } : {}) }, now }),
        actorOf(req.principal, 'clerk'),
      );
      if (!r.ok) return sendDomainError(reply, r.error);
      return toCaseView(r.value.state, runtime.timeLimits.timeLimitContext());
    },
  );

  app.post(
    '/cases/:id/acceptance',
    {
      schema: {
        tags: ['cases'],
        summary: '受理: accept a submitted application (its required materials all in); the clocks start and the tasks go out',
        params: CaseIdParams,
      },
      config: { roles: WINDOW, responses: { 200: CaseViewDoc, 409: ProblemDoc, ...PROBLEMS } },
    },
    async (req, reply) => {
      const r = await handler.execute(req.params.id, (now) => ({ type: 'AcceptCase', data: {}, now }), actorOf(req.principal, 'clerk'));
      if (!r.ok) return sendDomainError(reply, r.error);
      return toCaseView(r.value.state, runtime.timeLimits.timeLimitContext());
    },
  );

  app.post(
    '/cases/:id/material-notices',
    {
      schema: {
        tags: ['cases'],
        summary: '一次告知: name, once, every material a submitted application lacks (行政许可法 Art. 32, within 5 working days)',
        params: CaseIdParams,
        body: MaterialsNoticeBody,
      },
      config: { roles: WINDOW, responses: { 200: CaseViewDoc, 409: ProblemDoc, ...PROBLEMS } },
    },
    async (req, reply) => {
      const body = req.body;
      const r = await handler.execute(
        req.params.id,
        (now) => ({ type: 'IssueMaterialsNotice', data: { missingMaterials: body.missingMaterials, ...(body.reason ? { reason: body.reason } : {}) }, now }),
        actorOf(req.principal, 'clerk'),
      );
      if (!r.ok) return sendDomainError(reply, r.error);
      return toCaseView(r.value.state, runtime.timeLimits.timeLimitContext());
    },
  );

  app.post(
    '/cases/:id/withdraw',
    { schema: { tags: ['cases'], summary: '撤回: withdraw the application', params: CaseIdParams, body: WithdrawBody }, config: { roles: WINDOW, responses: { 200: CaseViewDoc, 409: ProblemDoc, ...PROBLEMS } } },
    async (req, reply) => {
      const reason = req.body.reason;
      const r = await handler.execute(req.params.id, (now) => ({ type: 'WithdrawCase', data: { reason }, now }), actorOf(req.principal, 'clerk'));
      if (!r.ok) return sendDomainError(reply, r.error);
      return toCaseView(r.value.state, runtime.timeLimits.timeLimitContext());
    },
  );
};
