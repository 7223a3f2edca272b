// Build widget/dist/lotsen-widget.js: src/lotsen-widget.js + its CSS +
// socket.io-client, bundled by esbuild into one self-contained file.
//
//   npm ci && npm run build     write dist/lotsen-widget.js
//   npm run check               fail if the committed dist file is not what
//                               the sources and the lock file build
//
// The output depends only on the sources and the pinned packages (no dates,
// no absolute paths), so the same inputs always give the same bytes.
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const outfile = join(here, 'dist', 'lotsen-widget.js');
const pkg = JSON.parse(await readFile(join(here, 'package.json'), 'utf8'));
const lock = JSON.parse(await readFile(join(here, 'package-lock.json'), 'utf8'));
const socketIoVersion = lock.packages['node_modules/socket.io-client'].version;

// CSS is minified and imported as a string (the widget adopts it into its
// shadow root).
const cssAsText = {
  name: 'css-as-text',
  setup(build) {
    build.onLoad({ filter: /\.css$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const { code } = await esbuild.transform(source, { loader: 'css', minify: true, charset: 'utf8' });
      return { contents: code.trim(), loader: 'text' };
    });
  },
};

const result = await esbuild.build({
  absWorkingDir: here,
  entryPoints: ['src/lotsen-widget.js'],
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: ['chrome90', 'firefox90', 'safari15', 'edge90'],
  minify: true,
  charset: 'utf8',
  legalComments: 'eof',
  sourcemap: false,
  write: false,
  plugins: [cssAsText],
  banner: {
    js: `/*! Lotsen widget ${pkg.version} (with socket.io-client ${socketIoVersion}, MIT). `
      + 'Built from widget/src by `npm run build`: do not edit. */',
  },
});

const output = result.outputFiles[0].contents;
const digest = createHash('sha256').update(output).digest('hex').slice(0, 16);

if (process.argv.includes('--check')) {
  let committed = null;
  try {
    committed = await readFile(outfile);
  } catch (_err) {
    committed = null;
  }
  if (!committed || !committed.equals(Buffer.from(output))) {
    console.error('dist/lotsen-widget.js is out of date: run `npm run build` in widget/ and commit it.');
    process.exit(1);
  }
  console.log(`dist/lotsen-widget.js is up to date (${output.length} bytes, sha256 ${digest}…)`);
} else {
  await mkdir(dirname(outfile), { recursive: true });
  await writeFile(outfile, output);
  console.log(`wrote dist/lotsen-widget.js (${output.length} bytes, sha256 ${digest}…)`);
}
