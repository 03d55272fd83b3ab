import { hashAccessKey, randomToken } from './secrets.js';
import type { Principal } from './roles.js';

export interface Session {
  principal: Principal;
  /** The synchronizer token a state-changing request must echo in `X-CSRF-Token`. */
  csrfToken: string;
  createdAt: number;
  lastSeenAt: number;
}

export interface SessionOptions {
  /** Signed out after this long without a request (default 8 h, a working day). */
  idleMs?: number;
  /** Signed out after this long in any case (default 12 h). */
  absoluteMs?: number;
  now?: () => number;
}

/**
 * Browser sessions, kept in this process's memory and found by the SHA-256 of the
 * cookie's random token (a memory dump shows no usable cookie). A restart signs
 * everyone out, which a window desk notices as one more sign-in; nothing else is lost.
 */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private readonly idleMs: number;
  private readonly absoluteMs: number;
  private readonly now: () => number;

  constructor(o: SessionOptions = {}) {
    this.idleMs = o.idleMs ?? 8 * 3_600_000;
    this.absoluteMs = o.absoluteMs ?? 12 * 3_600_000;
    this.now = o.now ?? Date.now;
  }

  create(principal: Principal): { token: string; session: Session } {
    this.sweep();
    const token = randomToken();
    const t = this.now();
    const session: Session = { principal, csrfToken: randomToken(), createdAt: t, lastSeenAt: t };
    this.sessions.set(hashAccessKey(token), session);
    return { token, session };
  }

  get(token: string): Session | undefined {
    const key = hashAccessKey(token);
    const s = this.sessions.get(key);
    if (!s) return undefined;
    const t = this.now();
    if (t - s.lastSeenAt > this.idleMs || t - s.createdAt > this.absoluteMs) {
      this.sessions.delete(key);
      return undefined;
    }
    s.lastSeenAt = t;
    return s;
  }

  delete(token: string): void {
    this.sessions.delete(hashAccessKey(token));
  }

  private sweep(): void {
    if (this.sessions.size < 1000) return;
    const t = this.now();
    for (const [k, s] of this.sessions) if (t - s.lastSeenAt > this.idleMs || t - s.createdAt > this.absoluteMs) this.sessions.delete(k);
  }
}
