import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The workbench builds to static files in dist/, which @onematter/api serves at `/`.
 * The field checks (USCC and ID check digits) are the catalogue's own validators,
 * compiled into the bundle, so the browser and the server can never disagree.
 * `npm run dev -w @onematter/web` proxies /api to a server on port 3000.
 */
export default defineConfig({
  plugins: [react()],
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
    chunkSizeWarningLimit: 1500,
  },
  server: { proxy: { '/api': 'http://127.0.0.1:3000' } },
});
