import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

// The UI is served by `tributary serve` at / (and loaded by the Electron shell from there), so every request is
// same-origin. `npm run dev` in renderer/ proxies the API to a running `tributary serve` on 127.0.0.1:9300.
export default defineConfig({
  plugins: [svelte()],
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // No inline scripts or data: URLs, so the shell's CSP can stay `script-src 'self'`.
    assetsInlineLimit: 0,
    sourcemap: false,
    chunkSizeWarningLimit: 400,
    rolldownOptions: { checks: { pluginTimings: false } },
  },
  server: {
    host: '127.0.0.1',
    proxy: {
      '/api': {
        target: 'http://127.0.0.1:9300',
        changeOrigin: true,
        ws: true,
        // The API takes WebSocket upgrades only from its own pages (Origin check): the dev page speaks as one.
        configure: (proxy) => proxy.on('proxyReqWs', (req) => req.setHeader('origin', 'http://127.0.0.1:9300')),
      },
    },
  },
});
