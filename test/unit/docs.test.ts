import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CONFIG_DOC_PATH, renderConfigDoc } from '../../scripts/gen-config-doc.js';

test('docs/configuration.md lists every setting exactly as the schema says (run npm run gen:docs)', () => {
  assert.equal(readFileSync(CONFIG_DOC_PATH, 'utf8'), renderConfigDoc());
});

/** The repository's own files; the k8s.io .proto files are vendored as released and cite Kubernetes' docs. */
const tracked = execFileSync('git', ['ls-files'], { encoding: 'utf8' }).split('\n').filter((p) => p !== '' && !p.startsWith('sim/apiserver/proto/k8s.io/'));
const texts = tracked.filter((p) => /\.(?:md|ts|js|ya?ml|tpl|sh|txt)$|Dockerfile$/.test(p) && p !== 'package-lock.json');

test('every .md file a doc or comment names is in the repository: the docs stand alone', () => {
  const missing: string[] = [];
  // Written in two parts so this file does not name it.
  const outside = `../${'shared'}/`;
  for (const path of texts) {
    if (readFileSync(path, 'utf8').includes(outside)) missing.push(`${path}: ${outside}`);
    for (const m of readFileSync(path, 'utf8').matchAll(/[\w./-]*[\w-]+\.md\b/g)) {
      const named = m[0].replace(/^\.?\//, '');
      if (!tracked.some((p) => p === named || p.endsWith(`/${named}`))) missing.push(`${path}: ${m[0]}`);
    }
  }
  assert.deepEqual(missing, []);
});

test('every relative link in the markdown docs leads to a file or folder of the repository', () => {
  const broken: string[] = [];
  for (const path of texts.filter((p) => p.endsWith('.md'))) {
    for (const m of readFileSync(path, 'utf8').matchAll(/\]\(([^)\s#]+)(?:#[^)]*)?\)/g)) {
      const target = m[1] ?? '';
      if (/^[a-z]+:/.test(target)) continue;
      if (!existsSync(join(dirname(path), target))) broken.push(`${path}: ${target}`);
    }
  }
  assert.deepEqual(broken, []);
});

test('the examples (manifests and the consumer chart) leave spec.replicas to the leader, as the chart does', () => {
  for (const path of tracked.filter((p) => /^(?:charts\/)?examples\//.test(p) && /\.ya?ml$/.test(p))) {
    assert.doesNotMatch(readFileSync(path, 'utf8'), /^\s+replicas:/m, `${path}: a replicas field resets the leader's count on every kubectl apply`);
  }
});
