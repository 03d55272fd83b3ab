import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { landingPage } from './landing.js';
import type { Runtime } from './runtime.js';

/** Where the built workbench is (packages/web/dist), or undefined if it was not built. */
export function workbenchDir(): string | undefined {
  const configured = process.env.ONEMATTER_WEB_DIR;
  if (configured) return existsSync(join(configured, 'index.html')) ? configured : undefined;
  try {
    const pkg = createRequire(import.meta.url).resolve('@onematter/web/package.json');
    const dir = join(dirname(pkg), 'dist');
    return existsSync(join(dir, 'index.html')) ? dir : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The workbench (工作台) at `/`: static files, public (the data behind them is not).
 * Hashed assets are cached for a year, index.html is revalidated on every load. The
 * build leaves a `.br` and a `.gz` beside each text file; a browser that accepts one
 * gets it (brotli first) with its `Content-Encoding`, any other the file itself, and
 * every answer says `Vary: Accept-Encoding` for caches in between. Without a build, `/` shows
 * the plain landing page with the catalogue and says how to build the workbench.
 */
export async function serveWorkbench(app: FastifyInstance, runtime: Runtime): Promise<void> {
  const root = workbenchDir();
  if (!root) {
    app.get('/', { schema: { hide: true }, config: { roles: 'public' } }, async (_req, reply) =>
      reply.type('text/html; charset=utf-8').send(landingPage(runtime)),
    );
    return;
  }
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    index: ['index.html'],
    cacheControl: false,
    preCompressed: true,
    setHeaders: (res, path) => {
      res.setHeader('cache-control', /[\\/]assets[\\/]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache');
      res.setHeader('vary', 'Accept-Encoding');
    },
  });
}
