import { DELIVERY_CHANNELS, ISSUE_CHANNELS, RATINGS, revokedSteps, toCaseView } from '@onematter/engine';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { actorOf, OWN_CASE_READERS, WINDOW } from '../auth/roles.js';
import { problem, sendDomainError, sendProblem } from '../problem.js';
import type { Runtime } from '../runtime.js';
import { CaseIdParams } from './schemas.js';

const IssueBody = z.object({
  channel: z.enum(ISSUE_CHANNELS).meta({ description: 'window (窗口领取), post (邮寄), online (电子证照)' }),
  recipient: z.string().trim().min(1).max(300).optional().meta({ description: 'name and address, required for post' }),
  trackingNumber: z.string().trim().min(1).max(100).optional(),
  note: z.string().max(2000).optional(),
  deliveries: z
    .array(
      z.object({
        step: z.string().min(1).max(100),
        channel: z.enum(DELIVERY_CHANNELS).meta({ description: 'window (窗口领取), post (邮寄), e-licence (电子证照)' }),
        post: z.object({ address: z.string().trim().min(1).max(300), carrier: z.string().trim().min(1).max(100), trackingNumber: z.string().trim().min(1).max(100) }).optional(),
        licence: z.object({ number: z.string().trim().min(1).max(100), issuer: z.string().trim().min(1).max(200), reference: z.string().trim().min(1).max(500) }).optional(),
      }),
    )
    .max(50)
    .optional()
    .meta({ description: 'How each result reaches the applicant: 窗口领取, 邮寄 (address, carrier, tracking number), 电子证照 (licence number, issuer, verifiable reference)' }),
});

const ReviewBody = z.object({
  reviewId: z.string().min(1).max(200).optional().meta({ description: 'makes a retried review a no-op; generated when omitted' }),
  rating: z.enum(RATINGS).meta({ description: '非常满意, 满意, 基本满意, 不满意, 非常不满意 (the bottom two are 差评)' }),
  comment: z.string().max(2000).optional(),
  channel: z.enum(['window', 'online', 'phone', 'sms']).default('window'),
});

const CloseBody = z.object({
  measures: z.string().trim().min(1, '请填写整改措施（measures required）').max(4000),
  verifiedBy: z.string().trim().min(1, '请填写核实人（verifier required）').max(200),
  feedback: z.string().trim().min(1, '请填写向申请人反馈的结果（feedback required）').max(4000),
});

/** The loops after a case completes: 统一出件, 好差评 and 整改 of every 差评. */
export const aftercareRoutes: FastifyPluginAsyncZod<{ runtime: Runtime }> = async (app, { runtime }) => {
  const { handler } = runtime;
  const view = (s: Parameters<typeof toCaseView>[0]) => toCaseView(s, runtime.timeLimits.timeLimitContext());

  app.get(
    '/cases/:id/results',
    {
      schema: { tags: ['cases'], summary: '统一出件回执: every department\'s result of a case, and whether it was handed out', params: CaseIdParams },
      config: { roles: OWN_CASE_READERS },
    },
    async (req, reply) => {
      const s = await handler.loadLatest(req.params.id);
      if (s.kind !== 'started') return sendProblem(reply, problem(404, `case ${req.params.id} not found`, undefined, req.url));
      const revoked = revokedSteps(s.modes);
      return {
        caseId: s.caseId,
        matter: s.matter.definition.id,
        matterName: s.matter.definition.name,
        applicant: s.applicant.name,
        status: s.status,
        results: Object.values(s.tasks)
          .filter((t) => t.status === 'approved')
          .map((t) => ({
            step: t.step,
            department: t.department,
            service: t.service,
            output: t.output ?? {},
            decidedAt: t.decidedAt,
            // 撤销: a result whose approval on commitment was revoked after a failed check.
            withdrawn: revoked.has(t.step),
            delivery: s.modes.deliveries.find((d) => d.step === t.step) ?? null,
          })),
        /** 容缺: results are held until the promised materials arrive. */
        held: s.modes.deferred !== undefined && s.modes.deferred.outstanding.length > 0,
        issued: s.aftercare.resultsIssued ?? null,
      };
    },
  );

  app.post(
    '/cases/:id/results-issued',
    {
      schema: { tags: ['cases'], summary: '统一出件: hand out all results once, at the window or by post', params: CaseIdParams, body: IssueBody },
      config: { roles: WINDOW },
    },
    async (req, reply) => {
      const b = req.body;
      const r = await handler.execute(
        req.params.id,
        (now) => ({
          type: 'IssueResults',
          data: {
            channel: b.channel,
            ...(b.recipient ? { recipient: b.recipient } : {}),
            ...(b.trackingNumber ? { trackingNumber: b.trackingNumber } : {}),
            ...(b.note ? { note: b.note } : {}),
            ...(b.deliveries ? { deliveries: b.deliveries } : {}),
          },
          now,
        }),
        actorOf(req.principal, 'clerk'),
      );
      if (!r.ok) return sendDomainError(reply, r.error);
      return view(r.value.state);
    },
  );

  app.post(
    '/cases/:id/reviews',
    {
      schema: {
        tags: ['cases'],
        summary: '好差评: the applicant rates a closed case; a 差评 opens a rectification',
        description: 'The window records a rating given there; an applicant signed in rates their own case (channel online).',
        params: CaseIdParams,
        body: ReviewBody,
      },
      config: { roles: [...WINDOW, 'applicant'] },
    },
    async (req, reply) => {
      const b = req.body;
      const reviewId = b.reviewId ?? randomUUID();
      const r = await handler.execute(
        req.params.id,
        // An applicant rating their own case rates it online, whatever the body says.
        (now) => ({ type: 'SubmitReview', data: { reviewId, rating: b.rating, ...(b.comment ? { comment: b.comment } : {}), channel: req.principal?.role === 'applicant' ? 'online' : b.channel }, now }),
        actorOf(req.principal, 'clerk'),
      );
      if (!r.ok) return sendDomainError(reply, r.error);
      return reply.code(201).send(view(r.value.state));
    },
  );

  app.post(
    '/cases/:id/rectifications/:rectificationId/close',
    {
      schema: {
        tags: ['cases'],
        summary: '整改销号: a rectification closes with its measures, who verified it and the feedback to the applicant',
        params: CaseIdParams.extend({ rectificationId: z.string().min(1).max(300) }),
        body: CloseBody,
      },
      config: { roles: ['supervisor', 'admin'] },
    },
    async (req, reply) => {
      const b = req.body;
      const r = await handler.execute(
        req.params.id,
        (now) => ({ type: 'CloseRectification', data: { rectificationId: req.params.rectificationId, ...b }, now }),
        actorOf(req.principal, 'supervisor'),
      );
      if (!r.ok) return sendDomainError(reply, r.error);
      return view(r.value.state);
    },
  );
};
