/** Where the bundle is and how the image starts it; no esbuild import, so tests and the bench can read it cheaply. */
export const BUNDLE_PATH = 'dist/vnf-agent.mjs';
/** The chunks the bundle imports (esbuild code splitting), beside it. */
export const CHUNKS_DIR = 'dist/vnf-agent-chunks';
export const METAFILE_PATH = 'dist/vnf-agent.meta.json';
/**
 * Node's compile cache for the bundle and its chunks (NODE_COMPILE_CACHE,
 * relative to the working directory: /app in the image), filled when the
 * bundle is built (scripts/warm-compile-cache.mjs, in the image as the user
 * the chart runs it as: Node keys the cache by uid). A start then takes V8's
 * code for the 1.7 MB it loads from the cache instead of compiling it.
 */
export const COMPILE_CACHE_DIR = 'dist/compile-cache';

/**
 * The node flags the image runs the bundle with, chosen by measurement
 * (bench/node-flags.ts; bench/results/node-flags-2.json, README "Footprint"):
 * a 1 MiB semi-space keeps the young generation small (V8 sizes it from the
 * machine's memory otherwise) and --optimize-for-size trades a little speed
 * for a smaller heap: 109 -> 97 MiB idle. --lite-mode (no optimizing
 * compiler, bytecode flushed sooner) takes 97 -> 81 MiB; the sidecar's hot
 * paths are I/O, and the footprint bench's leader row shows its CPU cost.
 * MALLOC_ARENA_MAX=2 and --single-threaded saved under 1 MiB on top: not used.
 */
export const SIDECAR_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1', '--optimize-for-size', '--lite-mode'];

/**
 * The environment the image runs the bundle with (Dockerfile ENV). glibc
 * raises its heap trim threshold each time a large block from mmap is freed
 * (start-up parses and compiles leave several), up to 64 MiB, so memory
 * freed after start-up stayed in the process; fixing it at glibc's own
 * default (128 KiB) returns it: about 2.5 MiB less idle RSS, all variants
 * side by side (README, "Footprint"). 0 saved no more; MALLOC_ARENA_MAX=2
 * nothing on top. NODE_COMPILE_CACHE: the cache above, read at every start
 * (a process whose cache is read-only or missing compiles as before).
 */
export const SIDECAR_ENV: Readonly<Record<string, string>> = { MALLOC_TRIM_THRESHOLD_: '131072', NODE_COMPILE_CACHE: COMPILE_CACHE_DIR };
