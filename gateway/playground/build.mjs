// Bundles the playground with esbuild's API; called by build.sh with the output dir.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const out = process.argv[2];

await build({
  entryPoints: { playground: 'src/main.jsx' },
  bundle: true,
  minify: true,
  format: 'iife',
  target: 'es2020',
  jsx: 'automatic',
  define: { 'process.env.NODE_ENV': '"production"' },
  // Licence banners would add kilobytes; package-lock.json names every bundled package.
  legalComments: 'none',
  logLevel: 'warning',
  outdir: out,
  // Preact's React compatibility layer stands in for react/react-dom: 215 kB less
  // script, and GraphiQL's editor, docs explorer, dialogs and autocomplete all work on
  // it (the browser test drives the editor; see README.md).
  alias: {
    react: 'preact/compat',
    'react-dom': 'preact/compat',
    'react-dom/client': 'preact/compat/client',
    'react/jsx-runtime': 'preact/jsx-runtime',
  },
});

// GraphiQL's CSS inlines Roboto and Fira Code as base64 @font-face rules (360 kB of
// the 410 kB file). Dropping them falls back to the stacks' own sans-serif and
// monospace, and keeps the page free of any font download.
const cssPath = join(out, 'playground.css');
const css = readFileSync(cssPath, 'utf8').replace(/@font-face\{[^}]*\}/g, '');
writeFileSync(cssPath, css);

// The gateway serves assets with a year-long cache; a content hash in each asset URL
// makes a rebuilt bundle a new URL, so browsers never mix a new page with old assets.
const version = (file) =>
  createHash('sha256').update(readFileSync(join(out, file))).digest('hex').slice(0, 16);
const html = readFileSync('src/index.html', 'utf8')
  .replace('playground.js', `playground.js?v=${version('playground.js')}`)
  .replace('playground.css', `playground.css?v=${version('playground.css')}`);
writeFileSync(join(out, 'index.html'), html);
