/**
 * Builds the web console into dist/console (run by `npm run build` after tsc): esbuild bundles
 * web/main.tsx with Preact and uPlot into content-hashed files under assets/, and index.html names them.
 * Prints each file's size, raw and gzipped.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const OUT = join(ROOT, 'dist/console');

const PAGE = (script: string, style: string) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Ferry console</title>
<link rel="stylesheet" href="assets/${style}">
<script type="module" src="assets/${script}"></script>
</head>
<body><div id="app"></div></body>
</html>
`;

async function main(): Promise<void> {
  const started = Date.now();
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(join(OUT, 'assets'), { recursive: true });
  const result = await build({
    entryPoints: [join(ROOT, 'services/console/web/main.tsx')],
    outdir: join(OUT, 'assets'),
    entryNames: '[name]-[hash]',
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['chrome110', 'firefox115', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'warning',
  });
  const outputs = Object.keys(result.metafile.outputs).map((file) => join(ROOT, file));
  const script = outputs.find((file) => file.endsWith('.js'));
  const style = outputs.find((file) => file.endsWith('.css'));
  if (!script || !style) throw new Error(`esbuild wrote no script or stylesheet: ${outputs.join(', ')}`);
  writeFileSync(join(OUT, 'index.html'), PAGE(basename(script), basename(style)));

  let raw = 0;
  let gzip = 0;
  console.log(`console bundle (${Date.now() - started} ms):`);
  for (const file of [join(OUT, 'index.html'), script, style]) {
    const body = readFileSync(file);
    const zipped = gzipSync(body).length;
    raw += body.length;
    gzip += zipped;
    console.log(`  ${relative(ROOT, file).padEnd(44)} ${kib(body.length).padStart(9)}  ${kib(zipped).padStart(9)} gzip`);
  }
  console.log(`  ${'total (what a first visit downloads)'.padEnd(44)} ${kib(raw).padStart(9)}  ${kib(gzip).padStart(9)} gzip`);
}

function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
