/**
 * Fills Node's compile cache (NODE_COMPILE_CACHE) with the sidecar bundle
 * and every chunk, run with the node flags the sidecar runs with:
 *   NODE_COMPILE_CACHE=dist/compile-cache node <SIDECAR_NODE_FLAGS> scripts/warm-compile-cache.mjs
 * Plain JavaScript with only Node's own imports: the image runs it in its
 * last stage, where there is no tsx, and --lite-mode turns off WebAssembly,
 * which Node's TypeScript stripping needs. The chunks are imported
 * (their top level only defines modules); the bundle itself runs `--version`
 * in a child, since importing it would run the CLI. Node keys the cache by
 * Node version, V8 flags and uid, so the image runs this as its own user.
 */
import { spawnSync } from 'node:child_process';
import process from 'node:process';
import { readdirSync } from 'node:fs';
import { flushCompileCache, getCompileCacheDir } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const dist = resolve(process.argv[2] ?? 'dist');
if (getCompileCacheDir() === undefined) throw new Error('NODE_COMPILE_CACHE is not set or its directory is not writable');
for (const chunk of readdirSync(join(dist, 'vnf-agent-chunks')).filter((f) => f.endsWith('.mjs'))) await import(pathToFileURL(join(dist, 'vnf-agent-chunks', chunk)).href);
flushCompileCache();
const run = spawnSync(process.execPath, [...process.execArgv, join(dist, 'vnf-agent.mjs'), '--version'], { stdio: 'inherit' });
if (run.status !== 0) throw new Error(`the bundle's --version exited ${run.status}`);
process.stdout.write(`compile cache filled in ${getCompileCacheDir()}\n`);
