// The officer console: `vite build src/web` writes dist/web, served by the terminal at /console/.
// `npx vite src/web` serves it for development, proxying /api to HOTLINE_API (default the
// officer API at http://127.0.0.1:7080; start the terminal with --insecure-cookies).
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

declare const process: { env: Record<string, string | undefined> };

export default defineConfig({
  base: '/console/',
  plugins: [react()],
  // The bundle verifier (verify/worker.ts) runs src/protocol in the browser: node:crypto and
  // node:buffer become the small ports in verify/ (SHA-256 and Ed25519 from @noble).
  resolve: { alias: { 'node:crypto': new URL('./verify/node-crypto.ts', import.meta.url).pathname, 'node:buffer': new URL('./verify/node-buffer.ts', import.meta.url).pathname } },
  worker: { format: 'es' },
  // Fonts are files of their own, never inlined as data: URIs, which the console's
  // Content-Security-Policy (console-routes.ts: default-src 'self') refuses: a browser then
  // skipped the small subsets (emoji, Latin extended) and logged an error for each.
  build: { outDir: '../../dist/web', emptyOutDir: true, sourcemap: true, assetsInlineLimit: (file: string) => (/\.woff2?$/.test(file) ? false : undefined) },
  server: {
    proxy: { '/api': { target: process.env.HOTLINE_API ?? 'http://127.0.0.1:7080', ws: true }, '/healthz': { target: process.env.HOTLINE_API ?? 'http://127.0.0.1:7080' } },
  },
});
