import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { compression } from 'vite-plugin-compression2';

// The API and the terminal WebSockets live on the Sonde server; in development Vite serves the
// UI and forwards /api (including WebSocket upgrades) so the browser still sees one origin,
// which is what the cookie, the CSRF header check and the Origin check all rely on.
// SONDE_API_TARGET points the proxy at a server on another port.
const API_TARGET = process.env.SONDE_API_TARGET ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [
    react(),
    // Precompressed siblings (x.js.br, x.js.gz) that the server sends as they are
    // (@fastify/static preCompressed): no compression work per request. Source maps stay plain:
    // only developer tools fetch them.
    compression({ algorithms: ['gzip', 'brotliCompress'], exclude: [/\.map$/], threshold: 1024 }),
  ],
  server: {
    proxy: {
      '/api': { target: API_TARGET, ws: true, changeOrigin: false },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    rolldownOptions: {
      // Two pages: the console, and the embed views (only a terminal or a result card) that
      // dashboards frame; the server sends embed.html for /embed/*.
      input: { main: fileURLToPath(new URL('./index.html', import.meta.url)), embed: fileURLToPath(new URL('./embed.html', import.meta.url)) },
      output: {
        // Vendor code changes far less often than ours: separate chunks stay cached across
        // Sonde upgrades, and no single chunk trips the size warning.
        codeSplitting: {
          groups: [
            { name: 'xterm', test: /node_modules[\\/]@xterm[\\/]/ },
            { name: 'react', test: /node_modules[\\/](react|react-dom|scheduler)[\\/]/ },
            { name: 'typebox', test: /node_modules[\\/]typebox[\\/]/ },
          ],
        },
      },
    },
  },
});
