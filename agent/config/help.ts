import { settingSchemas } from './schema.js';
import { envName, flagName } from './names.js';

/** The settings table printed by `vnf-agent run --help`, straight from the schema. */
export function settingsHelp(): string {
  const lines: string[] = [];
  for (const [key, schema] of settingSchemas()) {
    const def = schema.default === '' ? '(empty)' : JSON.stringify(schema.default);
    lines.push(`  --${flagName(key)}  ${envName(key)}  default ${def}`);
    lines.push(`      ${schema.description ?? ''}`);
  }
  return lines.join('\n');
}
