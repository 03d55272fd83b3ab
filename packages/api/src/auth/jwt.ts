import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { DEPARTMENTS } from '@onematter/engine';
import { isRole, type Principal, type Role } from './roles.js';

/**
 * Bearer tokens from a province's own single sign-on: signed JWTs checked against the
 * identity provider's JWKS (fetched and cached by `jose`), its issuer and our audience.
 * The provider's claims are mapped onto our roles by configuration, since every
 * provider names them differently.
 */
export interface JwtOptions {
  /** The provider's JSON Web Key Set, e.g. https://sso.example.gov.cn/.well-known/jwks.json */
  jwksUrl: string;
  issuer: string;
  audience: string;
  /** Claim holding the role (a string or an array; dotted paths such as `realm_access.roles` work). Default `role`. */
  roleClaim?: string;
  /** Claim holding the department id, for the department role. Default `department`. */
  departmentClaim?: string;
  /** Claim holding the applicant's ID number (居民身份证 or 统一社会信用代码), for the applicant role. Default `idNumber`. */
  applicantIdClaim?: string;
  /** Claim holding the display name. Default `name`, then `preferred_username`, then `sub`. */
  nameClaim?: string;
  /** The provider's role names to ours, e.g. `{ window_staff: 'clerk' }`; our own names always map to themselves. */
  roleMap?: Record<string, Role>;
  /** Allowed clock skew, seconds (default 30). */
  clockToleranceSeconds?: number;
}

/** Parses `idpRole=ourRole,other=clerk` (the `--jwt-role-map` flag). */
export function parseRoleMap(text: string): Record<string, Role> {
  const entries: [string, Role][] = [];
  for (const pair of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [from, to] = pair.split('=').map((s) => s.trim());
    if (!from || !to || !isRole(to)) throw new Error(`role map entry "${pair}": use providerRole=role with role one of clerk, department, supervisor, auditor, admin`);
    entries.push([from, to]);
  }
  // fromEntries makes each name an own member, even "__proto__".
  return Object.fromEntries(entries);
}

/** A claim by its dotted path, through the token's own members only (never a prototype's). */
const claimAt = (payload: JWTPayload, path: string): unknown =>
  path.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' && Object.hasOwn(v, k) ? (v as Record<string, unknown>)[k] : undefined), payload);

export type JwtResult = { ok: true; principal: Principal } | { ok: false; reason: string };

export class JwtVerifier {
  private readonly jwks: ReturnType<typeof createRemoteJWKSet>;
  /**
   * The provider's role names to ours, as a Map: a claim is a string the token's issuer
   * chose, and looking it up in a plain object would find `constructor` or `__proto__`.
   */
  private readonly roleMap: ReadonlyMap<string, Role>;

  constructor(private readonly o: JwtOptions) {
    this.jwks = createRemoteJWKSet(new URL(o.jwksUrl), { timeoutDuration: 5000, cooldownDuration: 30_000 });
    this.roleMap = new Map(Object.entries(o.roleMap ?? {}).filter(([, role]) => isRole(role)));
  }

  async verify(token: string): Promise<JwtResult> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.jwks, {
        issuer: this.o.issuer,
        audience: this.o.audience,
        clockTolerance: this.o.clockToleranceSeconds ?? 30,
        // Asymmetric algorithms only: a provider's public key must never double as an HMAC secret.
        algorithms: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'],
      }));
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) return { ok: false, reason: 'the token has expired' };
      if (error instanceof joseErrors.JWTClaimValidationFailed) return { ok: false, reason: `the token's ${error.claim} claim is not accepted` };
      if (error instanceof joseErrors.JOSEError) return { ok: false, reason: 'the token could not be verified' };
      throw error;
    }
    const raw = claimAt(payload, this.o.roleClaim ?? 'role');
    const candidates = (Array.isArray(raw) ? raw : [raw]).filter((v): v is string => typeof v === 'string');
    const role = candidates.map((c) => this.roleMap.get(c) ?? (isRole(c) ? c : undefined)).find((r): r is Role => r !== undefined);
    if (!role) return { ok: false, reason: `the token carries no OneMatter role in claim "${this.o.roleClaim ?? 'role'}"` };
    const name =
      [claimAt(payload, this.o.nameClaim ?? 'name'), payload.preferred_username, payload.sub].find((v): v is string => typeof v === 'string' && v.length > 0) ??
      'unknown';
    const principal: Principal = { id: `sso.${payload.sub ?? name}`, role, name, via: 'jwt' };
    if (role === 'department') {
      const department = claimAt(payload, this.o.departmentClaim ?? 'department');
      if (typeof department !== 'string' || !(DEPARTMENTS as readonly string[]).includes(department)) {
        return { ok: false, reason: `a department token needs a known department id in claim "${this.o.departmentClaim ?? 'department'}"` };
      }
      principal.department = department;
    }
    if (role === 'applicant') {
      const id = claimAt(payload, this.o.applicantIdClaim ?? 'idNumber');
      if (typeof id !== 'string' || !id.trim()) return { ok: false, reason: `an applicant token needs the applicant's ID number in claim "${this.o.applicantIdClaim ?? 'idNumber'}"` };
      principal.applicantId = id.replace(/\s+/g, '').toUpperCase();
    }
    return { ok: true, principal };
  }
}
