import type { DomainError, ErrorKind, FieldIssue } from '@onematter/engine';
import type { FastifyReply } from 'fastify';

/** The only place a domain error becomes an HTTP status. */
const statusOf = {
  Invalid: 400,
  NotFound: 404,
  Forbidden: 403,
  Conflict: 409,
  Concurrency: 503,
} satisfies Record<ErrorKind, number>;

const titleOf: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** RFC 9457 problem details; `errors` lists each invalid field with its reason. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: FieldIssue[];
}

export function problem(status: number, detail: string, errors?: FieldIssue[], instance?: string): Problem {
  return {
    type: 'about:blank',
    title: titleOf[status] ?? 'Error',
    status,
    detail,
    ...(instance ? { instance } : {}),
    ...(errors && errors.length > 0 ? { errors } : {}),
  };
}

export function sendProblem(reply: FastifyReply, p: Problem): FastifyReply {
  if (p.status === 503) void reply.header('retry-after', '1');
  return reply.code(p.status).type('application/problem+json; charset=utf-8').send(p);
}

export function sendDomainError(reply: FastifyReply, e: DomainError): FastifyReply {
  return sendProblem(reply, problem(statusOf[e.kind], e.message, e.errors, reply.request.url));
}
