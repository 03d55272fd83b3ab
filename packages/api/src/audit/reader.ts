import type { Reader } from '@onematter/engine';
import type { FastifyRequest } from 'fastify';
import { actorOf } from '../auth/roles.js';

const MAX = 200;

/** A header or query value as text: trimmed, bounded, percent-decoded (so a reason may be in Chinese). */
function text(v: unknown): string | undefined {
  const raw = Array.isArray(v) ? v[0] : v;
  if (typeof raw !== 'string') return undefined;
  let s = raw.trim();
  if (/%[0-9a-f]{2}/i.test(s)) {
    try {
      s = decodeURIComponent(s);
    } catch {
      // Not percent-encoding after all: keep it as sent.
    }
  }
  return s ? s.slice(0, MAX) : undefined;
}

/**
 * Who reads a case and why: the one place the access log learns it. The signed-in
 * identity when there is one (it cannot be overridden); without authentication
 * (`--no-auth`) the `X-Actor` header, else 'anonymous'. The reason comes from
 * `?reason=` or the `X-Audit-Reason` header.
 */
export function auditReaderOf(req: FastifyRequest): Reader {
  const p = req.principal;
  const actor = p && !p.unrestricted ? actorOf(p, 'auditor') : (text(req.headers['x-actor']) ?? 'anonymous');
  const reason = text((req.query as Record<string, unknown> | undefined)?.reason) ?? text(req.headers['x-audit-reason']);
  return reason ? { actor, reason } : { actor };
}
