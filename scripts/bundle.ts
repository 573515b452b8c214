import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { build, type Metafile, type Plugin } from 'esbuild';
import { basename, dirname } from 'node:path';
import { BUNDLE_PATH, CHUNKS_DIR, COMPILE_CACHE_DIR, METAFILE_PATH, SIDECAR_ENV, SIDECAR_NODE_FLAGS } from './sidecar-launch.js';

/**
 * The sidecar bundled (npm run bundle): dist/vnf-agent.mjs, what the image
 * runs, and the chunks it imports (dist/vnf-agent-chunks/). The bundle loads
 * only the modules the agent reaches; the package layout would load all of
 * @kubernetes/client-node's generated Api layer (its dist/config.js imports
 * gen/index.js), some 70 MiB in every pod. The cluster side (run-cluster.ts,
 * imported by run.ts only when a cluster is configured) is a chunk of its
 * own, so a sidecar without a cluster never reads client-node.
 */
export { BUNDLE_PATH, CHUNKS_DIR, COMPILE_CACHE_DIR, METAFILE_PATH, SIDECAR_ENV, SIDECAR_NODE_FLAGS } from './sidecar-launch.js';

/** The script that fills the compile cache; the image runs it too (Dockerfile). */
export const WARM_COMPILE_CACHE = 'scripts/warm-compile-cache.mjs';

/**
 * `local` and `apiserver` (sim/) stay out of the bundle: left as imports of the
 * tsc build beside it (dist/sim), loaded only by those commands.
 */
const simOutside: Plugin = {
  name: 'sim-outside',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/sim\// }, (args) => ({ path: args.path.replace(/^\.\.\/sim\//, './sim/'), external: true }));
  },
};

/**
 * client-node's modules declare no `sideEffects`, so esbuild keeps every
 * module they re-export (gen/index.js re-exports all models and Api
 * classes, and ObjectSerializer's tables count as effects). They define
 * classes and tables and do nothing at load time: marked side-effect free,
 * only what KubeConfig and Watch reach stays.
 */
const clientNodePure: Plugin = {
  name: 'client-node-pure',
  setup(b) {
    b.onResolve({ filter: /.*/ }, async (args) => {
      if (args.pluginData === 'pure' || !args.importer.includes('/@kubernetes/client-node/dist/')) return undefined;
      const resolved = await b.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: 'pure' });
      if (resolved.errors.length > 0 || !resolved.path.includes('/@kubernetes/client-node/dist/')) return resolved;
      return { ...resolved, sideEffects: false };
    });
  },
};

/**
 * node-fetch 2 (client-node's Watch) takes URL from node:url and falls back to
 * whatwg-url only where node:url has none; Node always has one. Bundled, the
 * fallback would still load tr46's Unicode tables at start.
 */
const noWhatwgUrl: Plugin = {
  name: 'no-whatwg-url',
  setup(b) {
    b.onResolve({ filter: /^whatwg-url$/ }, () => ({ path: 'whatwg-url', namespace: 'vnf-shim' }));
    b.onLoad({ filter: /.*/, namespace: 'vnf-shim' }, () => ({ contents: 'export default { URL: globalThis.URL };', loader: 'js' }));
  },
};

const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

/**
 * An ESM import of a Node built-in makes Node build that module's ESM facade,
 * which reads every export, lazy getters included: node:http's pull in
 * undici (fetch, WebSocket), 11 MiB of RSS the sidecar never uses
 * (measured: `import 'node:http'` 57 MiB, require('node:http') 45.5 MiB).
 * Each built-in the bundle imports is taken with require() instead, which
 * reads no export until it is used.
 */
const builtinsViaRequire: Plugin = {
  name: 'builtins-via-require',
  setup(b) {
    b.onResolve({ filter: /^(node:)?[a-z_/]+$/ }, (args) =>
      (args.kind === 'import-statement' || args.kind === 'dynamic-import') && builtins.has(args.path) ? { path: args.path, namespace: 'vnf-builtin' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'vnf-builtin' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: 'js' }));
  },
};

/**
 * Built-ins a bundled package requires when it loads but uses only on paths
 * the sidecar never takes: fastify's node:http2 (only with `http2: true`)
 * and node:https (only with `https` options; node:https with node:tls is
 * about 3 MiB more, and a sidecar without a cluster loads them for nothing).
 * Each is a proxy that requires the real module at its first use, so
 * behaviour is the same and the idle sidecar does not pay for it
 * (node:http2 is about 4 MiB of RSS in Node 26).
 */
const LAZY_BUILTINS: readonly { readonly importer: RegExp; readonly builtin: string }[] = [
  { importer: /\/fastify\/lib\/server\.js$/, builtin: 'node:http2' },
  { importer: /\/fastify\/lib\/server\.js$/, builtin: 'node:https' },
];

const lazyBuiltins: Plugin = {
  name: 'lazy-builtins',
  setup(b) {
    b.onResolve({ filter: /^(node:)?[a-z_/0-9]+$/ }, (args) => {
      const lazy = LAZY_BUILTINS.find((l) => l.importer.test(args.importer) && (args.path === l.builtin || `node:${args.path}` === l.builtin));
      return lazy ? { path: lazy.builtin, namespace: 'vnf-lazy-builtin' } : undefined;
    });
    b.onLoad({ filter: /.*/, namespace: 'vnf-lazy-builtin' }, (args) => ({
      contents: `let real; const load = () => (real ??= require(${JSON.stringify(args.path)}));
module.exports = new Proxy({}, { get: (_, key) => load()[key], has: (_, key) => key in load(), ownKeys: () => Reflect.ownKeys(load()), getOwnPropertyDescriptor: (_, key) => ({ ...Reflect.getOwnPropertyDescriptor(load(), key), configurable: true }) });`,
      loader: 'js',
    }));
  },
};

/**
 * prom-client's index requires all of the package when it loads, its
 * Pushgateway too, which takes node:https and node:zlib (about 5 MiB of RSS
 * in Node 26). The agent uses the registry, three metric types and the
 * default metrics: the bundle takes those modules alone. A name the agent
 * imports that this list lacks fails the build (no matching export).
 */
const promClientParts: Plugin = {
  name: 'prom-client-parts',
  setup(b) {
    b.onResolve({ filter: /^prom-client$/ }, (args) => (args.importer.includes('/node_modules/') ? undefined : { path: 'prom-client', namespace: 'vnf-prom-client', pluginData: args.resolveDir }));
    b.onLoad({ filter: /.*/, namespace: 'vnf-prom-client' }, () => ({
      contents: ['Registry', 'Counter', 'Gauge', 'Histogram'].map((name) => `export { default as ${name} } from 'prom-client/lib/${name.toLowerCase()}.js';`).join('\n')
        + "\nexport { default as collectDefaultMetrics } from 'prom-client/lib/defaultMetrics.js';",
      loader: 'js',
      resolveDir: process.cwd(),
    }));
  },
};

/** sip.js' generated grammar (peggy), where its rules' bytecode is built. */
export const SIP_GRAMMAR = /\/sip\.js\/lib\/grammar\/pegjs\/dist\/grammar\.js$/;
const BYTECODE_LINE = '    const peg$bytecode = [';

/**
 * sip.js' grammar decodes the bytecode of all its 230 rules inside every
 * parse (`const peg$bytecode = [peg$decode("..."), ...]` in peg$parse), and
 * the SIP probe parses each answer's first line and each header alone: some
 * 12 ms of CPU per answer in --lite-mode, most of the idle sidecar's CPU
 * (a CPU profile of the idle bundle). The bytecode is pure data, the same
 * on every call and never written: decoded once, at the first parse, and
 * kept. Fails when the generated source no longer has that one line, so a
 * sip.js upgrade cannot drop it unnoticed.
 */
export function decodeGrammarOnce(source: string): string {
  const at = source.indexOf(BYTECODE_LINE);
  if (at < 0 || source.indexOf(BYTECODE_LINE, at + 1) >= 0) throw new Error(`sip.js grammar: expected one "${BYTECODE_LINE.trim()}"`);
  return `let vnfDecodedBytecode;\n${source.slice(0, at)}    const peg$bytecode = vnfDecodedBytecode ??= [${source.slice(at + BYTECODE_LINE.length)}`;
}

export const sipGrammarOnce: Plugin = {
  name: 'sip-grammar-decode-once',
  setup(b) {
    b.onLoad({ filter: SIP_GRAMMAR }, async (args) => ({ contents: decodeGrammarOnce(await readFile(args.path, 'utf8')), loader: 'js' }));
  },
};

export async function bundle(): Promise<Metafile> {
  // Chunk names carry a content hash: old ones would pile up beside the new.
  rmSync(CHUNKS_DIR, { recursive: true, force: true });
  const result = await build({
    entryPoints: { [basename(BUNDLE_PATH, '.mjs')]: 'agent/main.ts' },
    outdir: dirname(BUNDLE_PATH),
    // A dynamic import() becomes a chunk loaded at that import; shared code goes to a chunk both import.
    splitting: true,
    chunkNames: `${basename(CHUNKS_DIR)}/[name]-[hash]`,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node26',
    metafile: true,
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'none',
    logLevel: 'warning',
    plugins: [simOutside, clientNodePure, noWhatwgUrl, lazyBuiltins, builtinsViaRequire, promClientParts, sipGrammarOnce],
    // Bundled CommonJS packages (pino, fastify) call require() for Node built-ins.
    banner: { js: "import { createRequire as __vnfCreateRequire } from 'node:module'; const require = __vnfCreateRequire(import.meta.url);" },
  });
  return result.metafile;
}

/**
 * Refills the compile cache for the bundle just built, as the sidecar runs
 * (its node flags and environment): a cache of an older bundle would only
 * be missed, but the entries are per file, and stale ones would pile up.
 */
export function warmCompileCache(): void {
  rmSync(COMPILE_CACHE_DIR, { recursive: true, force: true });
  const run = spawnSync(process.execPath, [...SIDECAR_NODE_FLAGS, WARM_COMPILE_CACHE], { env: { ...process.env, ...SIDECAR_ENV }, stdio: ['ignore', 'ignore', 'inherit'] });
  if (run.status !== 0) throw new Error(`${WARM_COMPILE_CACHE} exited ${run.status}`);
}

/** The output files a start loads before any dynamic import: the entry and the chunks it imports statically. */
export function loadedAtStart(meta: Metafile, entry = BUNDLE_PATH): string[] {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    const output = meta.outputs[file];
    if (!output) throw new Error(`no ${file} in the metafile`);
    if (seen.has(file)) return;
    seen.add(file);
    for (const i of output.imports) if (i.kind === 'import-statement' && !i.external) visit(i.path);
  };
  visit(entry);
  return [...seen];
}

/** Inputs with code in the given output files (esbuild parses every module it is pointed at; what counts is what it left). */
export function inputsIn(meta: Metafile, files: readonly string[] = Object.keys(meta.outputs)): string[] {
  return [...new Set(files.flatMap((f) => Object.entries(meta.outputs[f]?.inputs ?? {}).filter(([, use]) => use.bytesInOutput > 0).map(([input]) => input)))];
}

/**
 * Modules with code in the bundle or its chunks that must not be there: the
 * generated Api layer and the stand-in; and, in what every start loads,
 * client-node at all (a sidecar without a cluster does not need it).
 */
export function forbiddenInputs(meta: Metafile): string[] {
  const anywhere = inputsIn(meta).filter(
    (input) => /@kubernetes\/client-node\/dist\/gen\/(apis|types)\//.test(input) || /ObjectSerializer/.test(input) || /^sim\//.test(input),
  );
  const atStart = inputsIn(meta, loadedAtStart(meta)).filter((input) => /@kubernetes\/client-node\//.test(input));
  return [...new Set([...anywhere, ...atStart])];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const meta = await bundle();
  writeFileSync(METAFILE_PATH, JSON.stringify(meta));
  const forbidden = forbiddenInputs(meta);
  if (forbidden.length > 0) {
    process.stderr.write(`the bundle reaches modules the sidecar must not load:\n${forbidden.join('\n')}\n`);
    process.exit(1);
  }
  const kib = (files: string[]): string => (files.reduce((sum, f) => sum + (meta.outputs[f]?.bytes ?? 0), 0) / 1024).toFixed(0);
  const atStart = loadedAtStart(meta);
  warmCompileCache();
  process.stdout.write(`wrote ${BUNDLE_PATH} and ${Object.keys(meta.outputs).length - 1} chunks: ${kib(atStart)} KiB loaded at start, ${kib(Object.keys(meta.outputs))} KiB in all, and their compile cache in ${COMPILE_CACHE_DIR}\n`);
}
