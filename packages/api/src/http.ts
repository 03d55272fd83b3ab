import { isIP } from 'node:net';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { UsageError } from './runtime.js';

/**
 * How long the HTTP server waits on a client, and how many clients it holds at once.
 * Node's and fastify's defaults never close an idle connection that sent nothing
 * (no socket timeout) nor bound the time to receive a request (request timeout 0),
 * so a few slow or silent clients could hold sockets for ever.
 */
export interface ServerLimits {
  /** The whole request head must arrive within this (slow headers, "slowloris"). */
  headersTimeoutMs: number;
  /** The whole request, head and body, must arrive within this. */
  requestTimeoutMs: number;
  /** A socket with no traffic either way for this long is closed (also a handler that answers nothing). */
  connectionTimeoutMs: number;
  /** An idle keep-alive connection is closed after this (longer than a proxy's idle timeout, 60 s by default for most). */
  keepAliveTimeoutMs: number;
  /** Connections beyond this are refused (closed at once) until others end. */
  maxConnections: number;
}

export const DEFAULT_SERVER_LIMITS: ServerLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  connectionTimeoutMs: 120_000,
  keepAliveTimeoutMs: 72_000,
  maxConnections: 1_000,
};

/** The fastify options that apply the limits (the connection cap is set on the server: see app.ts). */
export function fastifyServerOptions(l: ServerLimits) {
  return {
    connectionTimeout: l.connectionTimeoutMs,
    requestTimeout: l.requestTimeoutMs,
    keepAliveTimeout: l.keepAliveTimeoutMs,
    http: {
      headersTimeout: l.headersTimeoutMs,
      // Node looks for connections past their header or request time this often (default 30 s).
      connectionsCheckingInterval: Math.max(100, Math.min(1_000, Math.floor(l.headersTimeoutMs / 2))),
    },
  };
}

/**
 * `--trust-proxy`: which proxies in front may set X-Forwarded-For / -Proto / -Host. A
 * comma-separated list of the proxies' addresses or CIDR ranges (or `loopback`,
 * `linklocal`, `uniquelocal`); bare (or `true`): `loopback`, a proxy on the same machine.
 * A number N trusts the N hops nearest the server whoever they are: only for a server
 * that no client can reach but through its proxies. Only what trusted proxies append is
 * believed: a client cannot choose its own address by sending X-Forwarded-For.
 */
export type TrustProxy = string | ((address: string, hop: number) => boolean);

const PRESETS = new Set(['loopback', 'linklocal', 'uniquelocal']);

export function parseTrustProxy(value: string | boolean | undefined): TrustProxy | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return 'loopback';
  const v = value.trim().toLowerCase();
  if (['', 'true', 'yes', 'on'].includes(v)) return 'loopback';
  if (['false', 'no', 'off', '0'].includes(v)) return undefined;
  if (/^\d+$/.test(v)) {
    const hops = Number(v);
    // fastify no longer takes a hop count (it cannot tell a proxy from a client): say it as a function.
    return (_address: string, hop: number) => hop < hops;
  }
  const entries = v.split(',').map((x) => x.trim()).filter(Boolean);
  for (const entry of entries) {
    const [address, bits, ...rest] = entry.split('/');
    const family = isIP(address ?? '');
    const okBits = bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (family === 6 ? 128 : 32));
    if (!(PRESETS.has(entry) || (family !== 0 && okBits && rest.length === 0))) {
      throw new UsageError(
        `--trust-proxy "${value}": give the proxies' addresses or CIDR ranges, e.g. 10.0.0.5,10.1.0.0/16 (or loopback), or the number of proxy hops in front`,
      );
    }
  }
  return entries.join(',');
}

export interface HttpFlags {
  trustProxy?: string | boolean;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  connectionTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxConnections: number;
}

const positiveInt = (what: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${what} is a whole number above 0`);
  return n;
};

export const addHttpOptions = (cmd: Command): Command =>
  cmd
    .addOption(
      new Option(
        '--trust-proxy [hops|addresses]',
        'behind a TLS-terminating proxy: believe X-Forwarded-* only from these proxy addresses/CIDRs, e.g. 10.0.0.5,10.1.0.0/16 (bare: loopback), or from that many hops',
      ).env('ONEMATTER_TRUST_PROXY'),
    )
    .addOption(new Option('--headers-timeout-ms <ms>', 'a request head must arrive within this').argParser(positiveInt('--headers-timeout-ms')).env('ONEMATTER_HEADERS_TIMEOUT_MS').default(DEFAULT_SERVER_LIMITS.headersTimeoutMs))
    .addOption(new Option('--request-timeout-ms <ms>', 'a whole request must arrive within this').argParser(positiveInt('--request-timeout-ms')).env('ONEMATTER_REQUEST_TIMEOUT_MS').default(DEFAULT_SERVER_LIMITS.requestTimeoutMs))
    .addOption(new Option('--connection-timeout-ms <ms>', 'close a socket silent this long').argParser(positiveInt('--connection-timeout-ms')).env('ONEMATTER_CONNECTION_TIMEOUT_MS').default(DEFAULT_SERVER_LIMITS.connectionTimeoutMs))
    .addOption(new Option('--keep-alive-timeout-ms <ms>', 'close an idle keep-alive connection after this').argParser(positiveInt('--keep-alive-timeout-ms')).env('ONEMATTER_KEEP_ALIVE_TIMEOUT_MS').default(DEFAULT_SERVER_LIMITS.keepAliveTimeoutMs))
    .addOption(new Option('--max-connections <n>', 'refuse connections beyond this many at once').argParser(positiveInt('--max-connections')).env('ONEMATTER_MAX_CONNECTIONS').default(DEFAULT_SERVER_LIMITS.maxConnections));

/** The build options the HTTP flags set. */
export function httpOptionsFrom(f: HttpFlags): { trustProxy?: TrustProxy; server: ServerLimits } {
  if (f.headersTimeoutMs > f.requestTimeoutMs) throw new UsageError('--headers-timeout-ms cannot be longer than --request-timeout-ms');
  const trustProxy = parseTrustProxy(f.trustProxy);
  return {
    ...(trustProxy !== undefined ? { trustProxy } : {}),
    server: {
      headersTimeoutMs: f.headersTimeoutMs,
      requestTimeoutMs: f.requestTimeoutMs,
      connectionTimeoutMs: f.connectionTimeoutMs,
      keepAliveTimeoutMs: f.keepAliveTimeoutMs,
      maxConnections: f.maxConnections,
    },
  };
}
