import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Secrets are never kept in clear. Access keys carry 256 random bits, so one round of
 * SHA-256 is enough to make a stolen hash useless (nothing to brute-force); passwords
 * are chosen by people, so they get scrypt with a salt.
 */

/** `omk_<id>_<secret>`: the id finds the record, the secret proves possession. */
const KEY_PATTERN = /^omk_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

export interface NewAccessKey {
  id: string;
  /** The whole key: shown once, never stored. */
  key: string;
  hash: string;
}

export function generateAccessKey(): NewAccessKey {
  const id = randomBytes(6).toString('hex');
  const key = `omk_${id}_${randomBytes(32).toString('base64url')}`;
  return { id, key, hash: hashAccessKey(key) };
}

export const hashAccessKey = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

/** The id of a well-formed access key, or undefined. */
export function accessKeyId(key: string): string | undefined {
  return KEY_PATTERN.exec(key)?.[1];
}

export function sameHash(aHex: string, bHex: string): boolean {
  const a = Buffer.from(aHex, 'hex');
  const b = Buffer.from(bHex, 'hex');
  return a.length === b.length && a.length > 0 && timingSafeEqual(a, b);
}

/** Timing-safe comparison of two strings (CSRF tokens). */
export function sameString(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

export const randomToken = (bytes = 32): string => randomBytes(bytes).toString('base64url');

// ---------------------------------------------------------------------------------------------
// Passwords: scrypt (RFC 7914), N = 2^15, r = 8, p = 1, 16-byte salt, 32-byte hash.

const SCRYPT = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;

const scrypt = (password: string, salt: Buffer, keylen: number, o: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) => scryptCb(password.normalize('NFC'), salt, keylen, o, (e, k) => (e ? reject(e) : resolve(k))));

/** `scrypt$N$r$p$<salt b64url>$<hash b64url>`. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(password, salt, 32, SCRYPT);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await scrypt(password, Buffer.from(salt, 'base64url'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: SCRYPT.maxmem,
  });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * A password hash to compare against when the user does not exist, so that an unknown
 * user name takes as long to refuse as a wrong password.
 */
let dummy: Promise<string> | undefined;
export const dummyPasswordHash = (): Promise<string> => (dummy ??= hashPassword(randomToken()));
