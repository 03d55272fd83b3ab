import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { compression } from 'vite-plugin-compression2';

/**
 * The workbench builds to static files in dist/, which @onematter/api serves at `/`.
 * The field checks (USCC and ID check digits) are the catalogue's own validators,
 * compiled into the bundle, so the browser and the server can never disagree.
 * `npm run dev -w @onematter/web` proxies /api to a server on port 3000.
 * Every text asset also gets a `.br` and a `.gz` beside it, made here once, which the
 * API's static handler sends to browsers that accept them (packages/api/src/web.ts); a
 * tiny chunk gets them too, though they save nothing, so every script is sent one way.
 * Pages are separate chunks (React.lazy in App.tsx).
 */
export default defineConfig({
  plugins: [react(), compression({ algorithms: ['brotliCompress', 'gzip'], logLevel: 'silent', skipIfLargerOrEqual: false })],
  base: '/',
  resolve: {
    alias: {
      '@workflows/validators': fileURLToPath(new URL('../workflows/src/validators.ts', import.meta.url)),
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 700,
  },
  server: { proxy: { '/api': 'http://127.0.0.1:3000' } },
});
