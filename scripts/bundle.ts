import { writeFileSync } from 'node:fs';
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
    plugins: [simOutside, clientNodePure, noWhatwgUrl],
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
