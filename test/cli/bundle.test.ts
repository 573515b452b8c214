import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Metafile } from 'esbuild';
import { build } from 'esbuild';
import { BUNDLE_PATH, CHUNKS_DIR, COMPILE_CACHE_DIR, WARM_COMPILE_CACHE, decodeGrammarOnce, forbiddenInputs, inputsIn, loadedAtStart, METAFILE_PATH, SIDECAR_ENV, SIDECAR_NODE_FLAGS, sipGrammarOnce } from '../../scripts/bundle.js';
import { eventually, runAgent, SHIPPED } from '../support/process.js';
import { createVnfCluster, startSidecar, statusOf, type Sidecar } from '../support/sidecars.js';
import { SipResponder } from '../support/sip-responder.js';
import { deploymentManifest, startSim } from '../support/sim-apiserver.js';
import { rssMiB } from '../../bench/lib/proc.js';
import { VNF_GROUP, VNF_PLURAL, VNF_VERSION } from '../../agent/model/vnfcluster.js';

/**
 * A budget well above the measured idle RSS (README, "Footprint") and well
 * below what loading the generated Api layer again would cost (+40 MiB or
 * more): it catches that regression, not a few MiB of drift on a busy
 * machine. (Client-node at start is caught by the metafile test.)
 */
const IDLE_RSS_BUDGET_MIB = 96;

const metafile = (): Metafile => JSON.parse(readFileSync(METAFILE_PATH, 'utf8')) as Metafile;

test('the bundle holds no code of client-node’s generated Api layer or of sim/, and does hold KubeConfig and Watch, in a chunk a start without a cluster does not load', () => {
  const meta = metafile();
  assert.deepEqual(forbiddenInputs(meta), []);
  const present = inputsIn(meta);
  assert.ok(present.some((i) => i.endsWith('@kubernetes/client-node/dist/config.js')), 'KubeConfig is bundled');
  assert.ok(present.some((i) => i.endsWith('@kubernetes/client-node/dist/watch.js')), 'Watch is bundled');
  const atStart = loadedAtStart(meta);
  assert.ok(atStart.includes(BUNDLE_PATH));
  assert.ok(Object.keys(meta.outputs).every((f) => f === BUNDLE_PATH || f.startsWith(`${CHUNKS_DIR}/`)), 'every chunk in the directory the image copies');
  const clusterChunk = Object.keys(meta.outputs).find((f) => inputsIn(meta, [f]).some((i) => i.endsWith('@kubernetes/client-node/dist/config.js')));
  assert.ok(clusterChunk !== undefined && !atStart.includes(clusterChunk), `client-node's chunk ${clusterChunk} is not loaded at start`);
  assert.ok(inputsIn(meta, [clusterChunk]).includes('agent/run-cluster.ts'), 'it is the cluster side’s chunk');
});

test('the metafile check bites: an Api class, the ObjectSerializer or a sim/ module in any output, or client-node in what a start loads, is reported', () => {
  const input = (bytesInOutput: number) => ({ bytesInOutput });
  const shared = `${CHUNKS_DIR}/chunk-A.mjs`;
  const cluster = `${CHUNKS_DIR}/run-cluster-B.mjs`;
  const meta = {
    inputs: {},
    outputs: {
      [BUNDLE_PATH]: {
        bytes: 1, exports: [],
        imports: [{ path: shared, kind: 'import-statement' }, { path: cluster, kind: 'dynamic-import' }, { path: 'node:fs', kind: 'require-call', external: true }],
        inputs: { 'agent/main.ts': input(10) },
      },
      [shared]: {
        bytes: 1, imports: [], exports: [],
        inputs: { 'node_modules/@kubernetes/client-node/dist/watch.js': input(10), 'node_modules/@kubernetes/client-node/dist/gen/apis/AppsV1Api.js': input(0) },
      },
      [cluster]: {
        bytes: 1, imports: [{ path: shared, kind: 'import-statement' }], exports: [],
        inputs: {
          'node_modules/@kubernetes/client-node/dist/gen/apis/CoreV1Api.js': input(10),
          'node_modules/@kubernetes/client-node/dist/gen/models/ObjectSerializer.js': input(10),
          'sim/apiserver/command.ts': input(10),
          'node_modules/@kubernetes/client-node/dist/config.js': input(10),
        },
      },
    },
  } as unknown as Metafile;
  assert.deepEqual(loadedAtStart(meta), [BUNDLE_PATH, shared]);
  assert.deepEqual(forbiddenInputs(meta), [
    'node_modules/@kubernetes/client-node/dist/gen/apis/CoreV1Api.js',
    'node_modules/@kubernetes/client-node/dist/gen/models/ObjectSerializer.js',
    'sim/apiserver/command.ts',
    'node_modules/@kubernetes/client-node/dist/watch.js',
  ]);
});

test('the image runs the bundle with the node flags scripts/bundle.ts names', () => {
  const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(readFileSync('Dockerfile', 'utf8'))?.[1];
  assert.deepEqual(JSON.parse(entrypoint ?? '[]'), ['node', ...SIDECAR_NODE_FLAGS, `/app/${BUNDLE_PATH}`]);
  const dockerfile = readFileSync('Dockerfile', 'utf8');
  assert.match(dockerfile, new RegExp(`^COPY --from=build /src/${CHUNKS_DIR} \\./${CHUNKS_DIR}$`, 'm'), 'the image copies the chunks');
  const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  const env = Object.fromEntries([...runtime.matchAll(/^ENV (\w+)=(\S+)$/gm)].map((m) => [m[1], m[2]]));
  for (const [name, value] of Object.entries(SIDECAR_ENV)) assert.equal(env[name], value, `the image sets ${name}`);
  // The cache is filled by the user, node flags and binary that read it.
  const lines = runtime.split('\n');
  const user = lines.indexOf('USER 65532:65532');
  const warm = lines.indexOf(`RUN node ${SIDECAR_NODE_FLAGS.join(' ')} ${WARM_COMPILE_CACHE}`);
  assert.ok(user >= 0 && warm > user, 'the image fills the compile cache with the ENTRYPOINT\'s flags, as the user it runs as');
  assert.ok(lines.includes(`RUN mkdir ${COMPILE_CACHE_DIR} && chown 65532:65532 ${COMPILE_CACHE_DIR}`), 'that user may write the cache while the image is built');
});

test('a start as the image starts it takes the bundle and every chunk from the compile cache', () => {
  const accepted = (args: string[]): string => {
    const run = spawnSync(process.execPath, [...SIDECAR_NODE_FLAGS, ...args], { env: { ...process.env, ...SIDECAR_ENV, NODE_DEBUG_NATIVE: 'COMPILE_CACHE' }, encoding: 'utf8', timeout: 15_000 });
    assert.equal(run.status, 0, run.stderr);
    assert.doesNotMatch(run.stderr, /rejected|mismatch/i);
    return run.stderr;
  };
  const files = [BUNDLE_PATH, ...readdirSync(CHUNKS_DIR).map((f) => `${CHUNKS_DIR}/${f}`)];
  const log = accepted([BUNDLE_PATH, '--version']) + accepted(['--input-type=module', '-e', files.slice(1).map((f) => `await import(${JSON.stringify(`./${f}`)});`).join('')]);
  for (const file of files) assert.match(log, new RegExp(`code cache for ESM \\S*/${file.replace(/[.]/g, '\\.')} was accepted`), `${file} from the cache`);
});

test('the bundle still runs the sim/ commands from the tsc build beside it', async () => {
  const r = await runAgent(['apiserver', '--help'], {}, 15_000, SHIPPED);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Usage: vnf-agent apiserver/);
});

test('the bundle, started as the image starts it, serves /status and idles within its RSS budget', async () => {
  const sip = new SipResponder();
  await sip.start();
  let sidecar: Sidecar | undefined;
  try {
    sidecar = await startSidecar('bundle-idle', { VNF_AGENT_POD_IP: '127.0.0.1', VNF_AGENT_SIP_PORT: String(sip.port), VNF_AGENT_SIGNAL_OPTIONS_TRANSPORTS: 'udp' }, SHIPPED);
    const s = sidecar;
    const status = await eventually(async () => statusOf(s), 15_000, '/status of the bundle');
    assert.equal(status.pod, 'bundle-idle');
    const ready = await eventually(async () => ((await fetch(`http://127.0.0.1:${s.port}/readyz`)).status === 200 ? true : undefined), 15_000, '/readyz 200');
    assert.equal(ready, true);
    const rss = rssMiB(s.process.child.pid!);
    assert.ok(rss < IDLE_RSS_BUDGET_MIB, `bundle idles at ${rss.toFixed(1)} MiB, budget ${IDLE_RSS_BUDGET_MIB}`);
  } finally {
    sidecar?.process.child.kill('SIGTERM');
    await sidecar?.process.exited(15_000);
    sip.stop();
  }
});

test('the bundle leads a VnfCluster through its request layer: Lease, pods, status', async () => {
  const sim = await startSim();
  const dir = mkdtempSync(join(tmpdir(), 'vnf-bundle-'));
  let sidecar: Sidecar | undefined;
  try {
    await sim.apps.createNamespacedDeployment({ namespace: 'default', body: deploymentManifest('sprout', 1) });
    await createVnfCluster(sim.kc, 'default', 'sprout', { minReplicas: 1, maxReplicas: 1 });
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, sim.server.kubeconfig('bundle-leader'));
    sidecar = await startSidecar('bundle-leader', { VNF_AGENT_CLUSTER: 'sprout', VNF_AGENT_POD_NAMESPACE: 'default', VNF_AGENT_KUBECONFIG: kubeconfig }, SHIPPED);
    const s = sidecar;
    await eventually(async () => ((await statusOf(s))?.isLeader ? true : undefined), 20_000, 'the bundle leads');
    const leases = await sim.coord.listNamespacedLease({ namespace: 'default' });
    assert.deepEqual(leases.items.map((l) => l.spec?.holderIdentity), ['bundle-leader']);
    await eventually(async () => {
      const current = (await sim.custom.getNamespacedCustomObject({ group: VNF_GROUP, version: VNF_VERSION, plural: VNF_PLURAL, namespace: 'default', name: 'sprout' })) as { status?: { leader?: string } };
      return current.status?.leader === 'bundle-leader' ? true : undefined;
    }, 20_000, 'the leader writes the VnfCluster status');
  } finally {
    sidecar?.process.child.kill('SIGTERM');
    await sidecar?.process.exited(15_000);
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sip.js’ grammar, its bytecode decoded once, parses as the original does, again and again', async () => {
  const original = await import('sip.js/lib/grammar/grammar.js');
  const built = await build({
    stdin: { contents: "export { Grammar } from 'sip.js/lib/grammar/grammar.js';", resolveDir: process.cwd(), loader: 'js' },
    bundle: true, format: 'esm', platform: 'node', write: false, plugins: [sipGrammarOnce],
  });
  const code = built.outputFiles[0]!.text;
  assert.equal(code.match(/vnfDecodedBytecode \?\?= \[/g)?.length, 1, 'the bundled grammar keeps its decoded bytecode');
  const once = (await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`)) as typeof original;
  const inputs: [string, string][] = [
    ['SIP/2.0 200 OK', 'Request_Response'], ['SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-vnf-abc;rport=5060', 'Via'],
    ['<sip:poll-sip@10.0.0.1>;tag=abcd', 'From'], ['1 OPTIONS', 'CSeq'], ['vnf-agent-xyz', 'Call_ID'], ['not a via', 'Via'],
  ];
  for (let round = 0; round < 3; round++) {
    // As data: the bundled copy has its own NameAddrHeader and URI classes.
    for (const [input, rule] of inputs) assert.equal(JSON.stringify(once.Grammar.parse(input, rule)), JSON.stringify(original.Grammar.parse(input, rule)), `${rule}: ${input}`);
  }
});

test('the grammar rewrite fails unless the generated source has its one bytecode line', () => {
  assert.throws(() => decodeGrammarOnce('function peg$parse() {}'), /expected one/);
  assert.throws(() => decodeGrammarOnce('    const peg$bytecode = [\n    const peg$bytecode = [\n'), /expected one/);
  assert.match(decodeGrammarOnce('a\n    const peg$bytecode = [1];\n'), /^let vnfDecodedBytecode;\na\n {4}const peg\$bytecode = vnfDecodedBytecode \?\?= \[1\];\n$/);
});
