import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { caseRoutes } from './routes/cases.js';
import { matterRoutes } from './routes/matters.js';
import { systemRoutes } from './routes/system.js';
import { taskRoutes } from './routes/tasks.js';
import { problem, sendProblem } from './problem.js';
import type { Runtime } from './runtime.js';
import { landingPage } from './landing.js';

export const API_PREFIX = '/api/v1';

/** Log fields that must never be written in clear: the applicant's identity number and phone. */
export const REDACTED_PATHS = [
  'applicant.idNumber',
  'applicant.phone',
  '*.applicant.idNumber',
  '*.applicant.phone',
  'req.body.applicant.idNumber',
  'req.body.applicant.phone',
  'req.headers.authorization',
  'req.headers.cookie',
];

export interface BuildOptions {
  logger?: FastifyServerOptions['logger'];
  loggerInstance?: FastifyServerOptions['loggerInstance'];
}

/**
 * Builds the HTTP app around a runtime. It does not listen: the CLI does, and
 * tests use `app.inject()`.
 */
export async function build(runtime: Runtime, options: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.loggerInstance ? { loggerInstance: options.loggerInstance } : { logger: options.logger ?? false }),
    bodyLimit: 1024 * 1024,
    genReqId: () => crypto.randomUUID(),
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  app.setErrorHandler((error, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      const where = error.validationContext;
      const errors = error.validation.map((v) => {
        const path = v.instancePath.replace(/^\//, '').split('/').filter(Boolean).join('.');
        const prefix = where === 'body' ? '' : `${where}.`;
        return { path: path ? `${prefix}${path}` : (where ?? 'body'), message: v.message ?? 'invalid' };
      });
      return sendProblem(reply, problem(400, `invalid ${where ?? 'request'}`, errors, request.url));
    }
    const e = error as { statusCode?: number; code?: string; message: string };
    if (e.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || (e.statusCode === 400 && e.code?.startsWith('FST_ERR_CTP'))) {
      return sendProblem(reply, problem(400, 'the request body is not valid JSON', [{ path: 'body', message: e.message }], request.url));
    }
    if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
      return sendProblem(reply, problem(e.statusCode, e.message, undefined, request.url));
    }
    request.log.error({ err: error }, 'request failed');
    return sendProblem(reply, problem(500, 'internal error; the request may be retried', undefined, request.url));
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, problem(404, `no route ${request.method} ${request.url.split('?')[0]}`, undefined, request.url)),
  );

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'OneMatter API',
        description:
          'Event-sourced orchestration of bundled government services (高效办成一件事): start a matter at one window, departments decide in parallel, every step is an event.',
        version: '1.0.0',
      },
      tags: [
        { name: 'matters', description: '事项目录 (the matter catalogue)' },
        { name: 'cases', description: '办件 (cases)' },
        { name: 'tasks', description: '部门任务 (department tasks)' },
        { name: 'system', description: 'health, metrics' },
      ],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: `${API_PREFIX}/docs` });

  await app.register(systemRoutes, { prefix: API_PREFIX, runtime });
  await app.register(matterRoutes, { prefix: API_PREFIX, runtime });
  await app.register(caseRoutes, { prefix: API_PREFIX, runtime });
  await app.register(taskRoutes, { prefix: API_PREFIX, runtime });
  app.get('/', { schema: { hide: true } }, async (_req, reply) => reply.type('text/html; charset=utf-8').send(landingPage(runtime)));
  return app;
}
