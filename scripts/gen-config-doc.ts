import { writeFileSync } from 'node:fs';
import { envName, flagName, settingSchemas } from '../agent/config/index.js';

/** Writes docs/configuration.md from the one settings schema (run: npm run gen:docs). */
export const CONFIG_DOC_PATH = 'docs/configuration.md';

export function renderConfigDoc(): string {
  const rows = settingSchemas().map(([key, schema]) => {
    const def = schema.default === '' ? '(empty)' : `\`${JSON.stringify(schema.default)}\``;
    const doc = (schema.description ?? '').replace(/\|/g, '\\|');
    return `| \`--${flagName(key)}\` | \`${envName(key)}\` | ${def} | ${doc} |`;
  });
  return [
    '# Configuration reference',
    '',
    'Generated from `agent/config/schema.ts` by `npm run gen:docs`; a test keeps it current.',
    '',
    'Every setting comes from a flag, an environment variable, or the YAML/JSON file given with `--config`',
    '(camelCase keys). Flags override env, env overrides the file. Invalid configuration exits with code 2',
    'and one message naming every bad setting. Cluster-wide policy (replicas, targets, behaviour, schedules)',
    'lives in the VnfCluster resource, not here.',
    '',
    '| flag | env | default | what it does, how to tune it |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(CONFIG_DOC_PATH, renderConfigDoc());
  process.stdout.write(`wrote ${CONFIG_DOC_PATH}\n`);
}
