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
import { aftercareRoutes } from './routes/aftercare.js';
import { modeRoutes } from './routes/modes.js';
import { calendarRoutes } from './routes/calendar.js';
import { caseRoutes } from './routes/cases.js';
import { matterRoutes } from './routes/matters.js';
import { systemRoutes } from './routes/system.js';
import { taskRoutes } from './routes/tasks.js';
import { auditRoutes } from './routes/audit.js';
import { supervisionRoutes } from './routes/supervision.js';
import { specialProcedureRoutes } from './routes/specialProcedures.js';
import { extensionRoutes } from './routes/extensions.js';
import { problem, sendProblem } from './problem.js';
import { FIELD_SIZES, JSON_BOUNDS } from '@onematter/engine';
import { BODY_LIMIT, bodyProblem, InputError, installInputChecks } from './input.js';
import type { Runtime } from './runtime.js';
import { installAuth, type AuthOptions } from './auth/plugin.js';
import { authRoutes } from './auth/routes.js';
import { serveWorkbench } from './web.js';
import { BODY_PROBLEMS, type DocumentedResponses } from './routes/responses.js';
import { DEFAULT_SERVER_LIMITS, fastifyServerOptions, type ServerLimits } from './http.js';

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
  // Secrets of sign-in and access: never in clear (keys, passwords, session and CSRF tokens).
  'req.headers["x-api-key"]',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  'req.body.password',
  'password',
  '*.password',
  'passwordHash',
  '*.passwordHash',
  'accessKey',
  '*.accessKey',
  'token',
  '*.token',
  'csrfToken',
  '*.csrfToken',
  // Identity numbers and phones wherever a case's data is logged (the applicant, a form's people).
  'idNumber',
  'phone',
  '*.idNumber',
  '*.phone',
  '*.*.idNumber',
  '*.*.phone',
  'form.legalRepresentative.idNumber',
  'form.legalRepresentative.phone',
  '*.form.legalRepresentative.idNumber',
  '*.form.legalRepresentative.phone',
];

/** Masks an ID number or phone so a log line still tells cases apart (1101************2X, 139****9000); hides anything else. */
export function maskForLog(value: unknown, path: string[]): string {
  const field = path[path.length - 1];
  if (typeof value !== 'string') return '***';
  if (field === 'idNumber' && value.length >= 8) return `${value.slice(0, 4)}${'*'.repeat(value.length - 6)}${value.slice(-2)}`;
  if (field === 'phone' && value.length >= 7) return `${value.slice(0, 3)}****${value.slice(-4)}`;
  return '***';
}

/** pino's `redact` option for every logger of the server. */
export const logRedaction = { paths: REDACTED_PATHS, censor: maskForLog };

export interface BuildOptions {
  logger?: FastifyServerOptions['logger'];
  loggerInstance?: FastifyServerOptions['loggerInstance'];
  /**
   * Sign-in, keys, tokens and roles. Default: enabled with no identity provider.
   * `{ enabled: false }` is for local development and tests only (`--no-auth`).
   */
  auth?: AuthOptions;
  /**
   * Behind a TLS-terminating proxy: believe X-Forwarded-* from these proxies only (a hop
   * count, or addresses/CIDRs; see http.ts), so that Secure cookies are set on HTTPS and
   * the sign-in limit counts the client's address, not one a client made up.
   */
  trustProxy?: FastifyServerOptions['trustProxy'];
  /** Time limits on clients and the connection cap (default DEFAULT_SERVER_LIMITS). */
  server?: ServerLimits;
}

/**
 * How long a plugin may take to load. Fastify's 10 s was hit after a crash, while the
 * store caught up on its backlog in the same process: a start that slow is not a failure.
 */
const PLUGIN_TIMEOUT_MS = 60_000;

/**
 * Builds the HTTP app around a runtime. It does not listen: the CLI does, and
 * tests use `app.inject()`.
 */
export async function build(runtime: Runtime, options: BuildOptions = {}): Promise<FastifyInstance> {
  const limits = options.server ?? DEFAULT_SERVER_LIMITS;
  const app = Fastify({
    ...(options.loggerInstance ? { loggerInstance: options.loggerInstance } : { logger: options.logger ?? false }),
    ...fastifyServerOptions(limits),
    pluginTimeout: PLUGIN_TIMEOUT_MS,
    bodyLimit: BODY_LIMIT,
    genReqId: () => crypto.randomUUID(),
    ...(options.trustProxy !== undefined ? { trustProxy: options.trustProxy } : {}),
  }).withTypeProvider<ZodTypeProvider>();
  app.server.maxConnections = limits.maxConnections;
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installInputChecks(app);

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
    if (error instanceof InputError) return sendProblem(reply, problem(400, error.message, error.errors, request.url));
    const e = error as { statusCode?: number; code?: string; message: string };
    const body = bodyProblem(e, request.headers['content-type']);
    if (body) return sendProblem(reply, problem(body.status, body.detail, body.errors, request.url));
    if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
      return sendProblem(reply, problem(e.statusCode, e.message, undefined, request.url));
    }
    request.log.error({ err: error }, 'request failed');
    return sendProblem(reply, problem(500, 'internal error; the request may be retried', undefined, request.url));
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, problem(404, `no route ${request.method} ${request.url.split('?')[0]}`, undefined, request.url)),
  );

  // Before any route: its onRoute hook refuses a route under the prefix that declares no roles.
  const auth = await installAuth(app, runtime, options.auth ?? { enabled: true }, API_PREFIX);

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'OneMatter API',
        description: `Event-sourced orchestration of bundled government services (高效办成一件事): start a matter at one window, departments decide in parallel, every step is an event.

Bounds on input (the same for a decision on Kafka): a body is JSON (\`application/json\`, UTF-8; else 415) of at most ${BODY_LIMIT} bytes (else 413); objects and arrays nest at most ${JSON_BOUNDS.depth} levels, member names are at most ${JSON_BOUNDS.nameLength} characters, strings at most ${JSON_BOUNDS.stringLength}; a case's \`form\` holds at most ${FIELD_SIZES.form} characters of JSON, a decision's \`output\` ${FIELD_SIZES.output}; no text anywhere (bodies, query and path parameters) may hold NUL (U+0000) or a lone surrogate. Each is a 400 naming the field.`,
        version: '1.0.0',
      },
      tags: [
        { name: 'matters', description: '事项目录 (the matter catalogue)' },
        { name: 'cases', description: '办件 (cases)' },
        { name: 'tasks', description: '部门任务 (department tasks)' },
        { name: 'system', description: 'health, metrics' },
        { name: 'supervision', description: '督办 / 电子监察 (time limits: lights, on-time rate, compression)' },
        { name: 'auth', description: '登录与身份 (sign-in and who is calling)' },
        { name: 'calendar', description: '工作日历 (working days: the State Council\'s notices as recorded, predicted years)' },
      ],
      components: {
        securitySchemes: {
          accessKey: { type: 'http', scheme: 'bearer', description: 'An access key from `onematter keys create` (or send it as X-Api-Key)' },
          apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-Api-Key' },
          identityProvider: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A token from the configured identity provider (JWKS)' },
          session: { type: 'apiKey', in: 'cookie', name: 'onematter_session', description: 'Workbench sign-in; changes also need X-CSRF-Token' },
        },
      },
      security: [{ accessKey: [] }, { apiKeyHeader: [] }, { identityProvider: [] }, { session: [] }],
    },
    // Responses a route documents (config.responses) join its schema here, in the document
    // only: fastify never compiles them into serializers (see routes/responses.ts).
    // A route that takes a body may also answer 413 (too large) and 415 (not JSON).
    transform: (input) => {
      const documented = input.route.config?.responses;
      const responses = documented && input.schema?.body ? { ...documented, ...BODY_PROBLEMS } : documented;
      return jsonSchemaTransform(responses ? { ...input, schema: { ...input.schema, response: documentedResponses(responses) } } : input);
    },
  });
  await app.register(fastifySwaggerUi, { routePrefix: `${API_PREFIX}/docs` });

  await app.register(systemRoutes, { prefix: API_PREFIX, runtime });
  await app.register(matterRoutes, { prefix: API_PREFIX, runtime });
  await app.register(caseRoutes, { prefix: API_PREFIX, runtime });
  await app.register(taskRoutes, { prefix: API_PREFIX, runtime });
  await app.register(auditRoutes, { prefix: API_PREFIX, runtime, people: () => auth.directory.people() });
  await app.register(supervisionRoutes, { prefix: API_PREFIX, runtime });
  await app.register(specialProcedureRoutes, { prefix: API_PREFIX, runtime });
  await app.register(extensionRoutes, { prefix: API_PREFIX, runtime });
  await app.register(aftercareRoutes, { prefix: API_PREFIX, runtime });
  await app.register(modeRoutes, { prefix: API_PREFIX, runtime });
  await app.register(calendarRoutes, { prefix: API_PREFIX, runtime });
  await app.register(authRoutes, { prefix: API_PREFIX, auth });
  await serveWorkbench(app, runtime);
  return app;
}

/** Problems are application/problem+json; everything else application/json. */
function documentedResponses(responses: DocumentedResponses): Record<number, unknown> {
  return Object.fromEntries(
    Object.entries(responses).map(([status, schema]) => [
      status,
      Number(status) >= 400 ? { description: 'a problem (RFC 9457)', content: { 'application/problem+json': { schema } } } : schema,
    ]),
  );
}
