import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CONFIG_DOC_PATH, renderConfigDoc } from '../../scripts/gen-config-doc.js';

test('docs/configuration.md lists every setting exactly as the schema says (run npm run gen:docs)', () => {
  assert.equal(readFileSync(CONFIG_DOC_PATH, 'utf8'), renderConfigDoc());
});
