import { defineConfig, type Plugin } from 'vitest/config';
import react from '@vitejs/plugin-react';

/**
 * A Content-Security-Policy for the production build only (Vite's dev server
 * injects inline scripts): no inline or foreign script, the worker from our own
 * origin, nothing fetched from elsewhere. Share links and imported files are
 * data; this is the second line of defence behind never rendering them as HTML.
 */
const csp: Plugin = {
  name: 'pagoda-csp',
  apply: 'build',
  transformIndexHtml: (html) =>
    html.replace(
      '<head>',
      `<head>\n    <meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'self'; worker-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'">`,
    ),
};

export default defineConfig({
  plugins: [react(), csp],
  base: './',
  worker: { format: 'es' },
  build: { target: 'es2022', sourcemap: false },
  test: {
    include: ['src/**/*.test.ts', 'bench/**/*.test.ts', 'test/**/*.test.ts'],
    environment: 'node',
  },
});
