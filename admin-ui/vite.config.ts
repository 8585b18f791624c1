import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// Fixed output names: dist/ is committed and embedded in the binary, so a
// rebuild of the same source must produce the same files (no content
// hashes churning the repository). The server sends ETags and
// Cache-Control: no-cache, so browsers still revalidate every file.
export default defineConfig({
  base: '/admin/',
  plugins: [svelte()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    rollupOptions: {
      output: {
        entryFileNames: 'assets/[name].js',
        chunkFileNames: 'assets/[name].js',
        assetFileNames: 'assets/[name][extname]',
      },
    },
  },
  test: {
    include: ['src/**/*.test.ts'],
  },
});
