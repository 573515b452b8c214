import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { CRD_PATH, renderCrd } from '../../scripts/gen-crd.js';

test('the committed CRD is exactly what agent/model generates (run npm run gen:crd)', () => {
  assert.equal(readFileSync(CRD_PATH, 'utf8'), renderCrd());
});

test('the CRD has a status subresource and the printer columns kubectl shows', () => {
  const crd = parse(readFileSync(CRD_PATH, 'utf8'));
  const version = crd.spec.versions[0];
  assert.equal(crd.spec.group, 'vnf-agent.dev');
  assert.equal(version.name, 'v1alpha1');
  assert.deepEqual(version.subresources, { status: {} });
  assert.deepEqual(
    version.additionalPrinterColumns.map((c: { name: string }) => c.name),
    ['Leader', 'Replicas', 'Desired', 'Load', 'Age'],
  );
});

test('the CRD schema is structural: every node has a type, maps use additionalProperties', () => {
  const crd = parse(readFileSync(CRD_PATH, 'utf8'));
  const walk = (node: Record<string, unknown>, path: string): void => {
    assert.ok(typeof node.type === 'string', `${path} has no type`);
    assert.equal(node.patternProperties, undefined, `${path} uses patternProperties`);
    for (const [k, v] of Object.entries((node.properties ?? {}) as Record<string, Record<string, unknown>>)) walk(v, `${path}.${k}`);
    if (node.items) walk(node.items as Record<string, unknown>, `${path}[]`);
  };
  walk(crd.spec.versions[0].schema.openAPIV3Schema, '');
});
