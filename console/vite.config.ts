import { defineConfig } from 'vite';

// Preact's JSX through esbuild (no Babel): the console is small and built with the repo's own Vite.
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 400 },
});
