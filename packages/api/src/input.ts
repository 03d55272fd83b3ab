/**
 * What the API takes in, checked once for every route before any schema or handler:
 *  - bodies are JSON (`application/json`, any charset parameter naming UTF-8): any other
 *    media type is 415, a body over BODY_LIMIT bytes 413;
 *  - the bytes are UTF-8: anything else is 400 (never decoded into "\uFFFD");
 *  - the parsed JSON keeps the engine's bounds (depth, member names, strings) and holds
 *    only text every store can hold (no NUL, no lone surrogates): else 400 naming each field;
 *  - query parameters and path parameters hold only storable text as well.
 * The same engine helper (jsonInputIssues) holds decisions on the bus to the same bounds.
 */
import { jsonInputIssues, JSON_BOUNDS, pathText, type FieldIssue, type JsonIssue } from '@onematter/engine';
import type { FastifyInstance } from 'fastify';

/** Bytes in a request body at most; larger is 413. */
export const BODY_LIMIT = 1024 * 1024;

/** A request refused before it reached its route, with the fields at fault. */
export class InputError extends Error {
  readonly statusCode = 400;
  constructor(
    message: string,
    readonly errors: FieldIssue[],
  ) {
    super(message);
  }
}

const asFieldIssues = (issues: JsonIssue[], root: string): FieldIssue[] =>
  issues.map((i) => ({ path: i.path.length > 0 ? pathText(i.path) : root, message: i.message }));

/** Replaces fastify's JSON and text parsers; adds the check of query and path parameters. */
export function installInputChecks(app: FastifyInstance): void {
  // Same prototype-poisoning protection as fastify's own parser.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    let text: string;
    try {
      text = utf8.decode(body as Buffer);
    } catch {
      done(new InputError('the request body is not valid UTF-8', [{ path: 'body', message: 'bytes that are not UTF-8; send the body encoded as UTF-8' }]), undefined);
      return;
    }
    parseJson(request, text, (error, value) => {
      if (error) return done(error, undefined);
      const issues = jsonInputIssues(value, JSON_BOUNDS);
      if (issues.length > 0) return done(new InputError('the request body breaks the bounds of JSON input', asFieldIssues(issues, 'body')), undefined);
      done(null, value);
    });
  });

  app.addHook('preValidation', async (request) => {
    const issues = [
      ...jsonInputIssues(request.query, JSON_BOUNDS, ['query']),
      ...jsonInputIssues(request.params, JSON_BOUNDS, ['params']),
    ];
    if (issues.length > 0) throw new InputError('a request parameter holds text that cannot be stored', asFieldIssues(issues, 'query'));
  });
}

/** The problem for an error of fastify's body parsing (FST_ERR_CTP_*), or undefined for any other error. */
export function bodyProblem(e: { code?: string; message: string; statusCode?: number }, contentType: string | undefined): { status: number; detail: string; errors?: FieldIssue[] } | undefined {
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, detail: `the request body is larger than ${BODY_LIMIT} bytes (1 MiB), the limit of every request` };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, detail: `a body of type ${contentType ?? '(none)'} is not taken: send application/json (UTF-8)` };
    default:
      if (e.code?.startsWith('FST_ERR_CTP') && e.statusCode === 400) {
        return { status: 400, detail: 'the request body is not valid JSON', errors: [{ path: 'body', message: e.message }] };
      }
      return undefined;
  }
}
