import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { AGENT_BIN } from '../support/process.js';

const EXAMPLE = 'examples/clearwater-docker/clearwater.yaml';

/** The built CLI as a child process, with `stdin` piped in (needs `npm run build`). */
function cli(args: string[], stdin = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [AGENT_BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

type Doc = { kind: string; metadata: { name: string }; spec: { template?: { spec: { containers: { name: string }[]; initContainers?: { name: string }[] } } } };
const deploymentsOf = (text: string) => parseAllDocuments(text).map((d) => d.toJS() as Doc);

test('inject -f FILE prints the manifest with a native sidecar in both Deployments and exits 0', async () => {
  const r = await cli(['inject', '-f', EXAMPLE]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  const docs = deploymentsOf(r.stdout);
  assert.deepEqual(docs.map((d) => `${d.kind}/${d.metadata.name}`), ['Deployment/sprout', 'Service/sprout', 'Deployment/bono', 'Service/bono']);
  for (const d of docs.filter((x) => x.kind === 'Deployment')) {
    assert.deepEqual(d.spec.template?.spec.containers.map((c) => c.name), [d.metadata.name]);
    assert.deepEqual(d.spec.template?.spec.initContainers?.map((c) => c.name), ['vnf-agent']);
  }
});

test('inject --native false keeps the sidecar among the containers, for clusters before 1.29', async () => {
  const r = await cli(['inject', '-f', EXAMPLE, '--native', 'false']);
  assert.equal(r.code, 0, r.stderr);
  for (const d of deploymentsOf(r.stdout).filter((x) => x.kind === 'Deployment')) {
    assert.deepEqual(d.spec.template?.spec.containers.map((c) => c.name), [d.metadata.name, 'vnf-agent']);
    assert.equal(d.spec.template?.spec.initContainers, undefined);
  }
});

test('inject -f - reads stdin, and running it on its own output changes nothing', async () => {
  const first = await cli(['inject', '-f', '-'], readFileSync(EXAMPLE, 'utf8'));
  assert.equal(first.code, 0, first.stderr);
  const second = await cli(['inject', '-f', '-'], first.stdout);
  assert.equal(second.code, 0, second.stderr);
  assert.equal(second.stdout, first.stdout);
});

test('inject flags reach the sidecar: --cluster, --image, --sip-port', async () => {
  const r = await cli(['inject', '-f', EXAMPLE, '--cluster', 'core', '--image', 'reg.example/vnf-agent:2', '--sip-port', '5052']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /name: VNF_AGENT_CLUSTER\n\s+value: core\n/);
  assert.match(r.stdout, /name: VNF_AGENT_SIP_PORT\n\s+value: "5052"\n/);
  assert.match(r.stdout, /image: reg\.example\/vnf-agent:2\n/);
});

const failures: [string, string[], string, RegExp][] = [
  ['input that is not YAML', ['inject', '-f', '-'], 'kind: [\n', /is not valid YAML/],
  ['a Deployment without containers', ['inject', '-f', '-'], 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec: {template: {spec: {containers: []}}}\n', /x has no containers/],
  ['a missing file', ['inject', '-f', '/nonexistent/sip.yaml'], '', /cannot read \/nonexistent\/sip.yaml: ENOENT/],
  ['no -f', ['inject'], '', /-f FILE is required/],
  ['an unknown flag', ['inject', '-f', EXAMPLE, '--frobnicate'], '', /frobnicate/],
  ['a bad --sip-port', ['inject', '-f', EXAMPLE, '--sip-port', '99999'], '', /--sip-port must be an integer from 1 to 65535/],
  ['a bad --native', ['inject', '-f', EXAMPLE, '--native', 'yes'], '', /--native must be true or false \(got "yes"\)/],
];
for (const [name, args, stdin, message] of failures) {
  test(`inject exits 2 with a message and prints nothing on ${name}`, async () => {
    const r = await cli(args, stdin);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '', 'no partial manifest on stdout');
    assert.match(r.stderr, /^vnf-agent inject: /);
    assert.match(r.stderr, message);
  });
}

test('a bad document after good ones still prints nothing', async () => {
  const r = await cli(['inject', '-f', '-'], `${readFileSync(EXAMPLE, 'utf8')}---\n- not an object\n`);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /document 5 is not a Kubernetes object/);
});

test('inject --help and the top-level help describe the command', async () => {
  const help = await cli(['inject', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: vnf-agent inject -f FILE/);
  const top = await cli(['--help']);
  assert.match(top.stdout, /^ {2}inject /m);
});
