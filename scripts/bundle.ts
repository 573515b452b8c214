import { writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { build, type Metafile, type Plugin } from 'esbuild';
import { BUNDLE_PATH, METAFILE_PATH } from './sidecar-launch.js';

/**
 * The sidecar as one file (npm run bundle): dist/vnf-agent.mjs, what the image
 * runs. One bundled file loads only the modules the agent reaches; the package
 * layout would load all of @kubernetes/client-node's generated Api layer
 * (its dist/config.js imports gen/index.js), some 70 MiB in every pod.
 */
export { BUNDLE_PATH, METAFILE_PATH, SIDECAR_NODE_FLAGS } from './sidecar-launch.js';

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
 * the sidecar never takes: fastify's node:http2 (only with `http2: true`).
 * Each is a proxy that requires the real module at its first use, so
 * behaviour is the same and the idle sidecar does not pay for it
 * (node:http2 is about 4 MiB of RSS in Node 26).
 */
const LAZY_BUILTINS: readonly { readonly importer: RegExp; readonly builtin: string }[] = [{ importer: /\/fastify\/lib\/server\.js$/, builtin: 'node:http2' }];

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

export async function bundle(outfile = BUNDLE_PATH): Promise<Metafile> {
  const result = await build({
    entryPoints: ['agent/main.ts'],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node26',
    metafile: true,
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'none',
    logLevel: 'warning',
    plugins: [simOutside, clientNodePure, noWhatwgUrl, lazyBuiltins, builtinsViaRequire, promClientParts],
    // Bundled CommonJS packages (pino, fastify) call require() for Node built-ins.
    banner: { js: "import { createRequire as __vnfCreateRequire } from 'node:module'; const require = __vnfCreateRequire(import.meta.url);" },
  });
  return result.metafile;
}

/**
 * Modules with code in the bundle that must not be there: the generated Api
 * layer and the stand-in. esbuild parses every module it is pointed at, so
 * the test is on the bytes each one left in the output, not on the inputs.
 */
export function forbiddenInputs(meta: Metafile, outfile = BUNDLE_PATH): string[] {
  const output = meta.outputs[outfile];
  if (!output) throw new Error(`no ${outfile} in the metafile`);
  const present = Object.entries(output.inputs).filter(([, use]) => use.bytesInOutput > 0).map(([input]) => input);
  return present.filter(
    (input) => /@kubernetes\/client-node\/dist\/gen\/(apis|types)\//.test(input) || /ObjectSerializer/.test(input) || /^sim\//.test(input),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const meta = await bundle();
  writeFileSync(METAFILE_PATH, JSON.stringify(meta));
  const forbidden = forbiddenInputs(meta);
  if (forbidden.length > 0) {
    process.stderr.write(`the bundle reaches modules the sidecar must not load:\n${forbidden.join('\n')}\n`);
    process.exit(1);
  }
  const bytes = meta.outputs[BUNDLE_PATH]?.bytes ?? 0;
  process.stdout.write(`wrote ${BUNDLE_PATH} (${(bytes / 1024).toFixed(0)} KiB, ${Object.keys(meta.outputs[BUNDLE_PATH]?.inputs ?? {}).length} modules)\n`);
}
