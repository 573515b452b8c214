import type { TSchema } from 'typebox';
import Value from 'typebox/value';
import { parse as parseYaml } from 'yaml';
import { ConfigSchema, settingSchemas, type Config, type SettingKey } from './schema.js';
import { ConfigError, type ConfigViolation } from './errors.js';
import { ENV_PREFIX, envName, flagName } from './names.js';
import { crossFieldRules } from './rules.js';

/** Everything the loader reads, passed in so tests need no process state. */
export interface ConfigSources {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Flag values keyed by setting key (camelCase), as parsed from argv. */
  readonly flags: Readonly<Record<string, string>>;
  readonly readFile: (path: string) => string;
  readonly hostname: string;
}

interface RawValue {
  readonly value: unknown;
  readonly source: string;
}

const schemas = new Map(settingSchemas());

/**
 * Builds the configuration from defaults < config file < env < flags, validates
 * every setting, and returns a frozen result. Throws one ConfigError naming every
 * bad setting.
 */
export function loadConfig(sources: ConfigSources): Config {
  const violations: ConfigViolation[] = [];
  const raw = new Map<SettingKey, RawValue>();

  const fileSetting = sources.flags.config ?? sources.env[envName('config')];
  if (fileSetting) {
    for (const [key, entry] of readConfigFile(fileSetting, sources.readFile, violations)) raw.set(key, entry);
  }
  for (const [name, value] of Object.entries(sources.env)) {
    if (!name.startsWith(ENV_PREFIX) || value === undefined) continue;
    const key = keyForEnv(name);
    if (key) raw.set(key, { value, source: name });
    else violations.push({ source: name, reason: 'unknown setting (see vnf-agent run --help)' });
  }
  for (const [key, value] of Object.entries(sources.flags)) {
    if (schemas.has(key as SettingKey)) raw.set(key as SettingKey, { value, source: `--${flagName(key)}` });
    else violations.push({ source: `--${flagName(key)}`, reason: 'unknown flag (see vnf-agent run --help)' });
  }

  const config: Record<string, unknown> = {};
  for (const [key, schema] of schemas) {
    const entry = raw.get(key);
    const candidate = entry === undefined ? schema.default : Value.Convert(schema as TSchema, entry.value);
    const reason = notDecimal(schema, entry?.value, candidate) ?? firstError(schema, candidate);
    if (reason && entry) violations.push({ source: entry.source, reason: `${reason} (got ${JSON.stringify(entry.value)})` });
    config[key] = candidate;
  }
  if (config.podName === '') config.podName = sources.hostname;

  if (violations.length === 0) {
    for (const rule of crossFieldRules) violations.push(...rule(config as Config));
  }
  if (violations.length > 0) throw new ConfigError(violations);
  if (!Value.Check(ConfigSchema, config)) throw new ConfigError([{ source: 'defaults', reason: 'schema defaults are invalid' }]);
  return Object.freeze(config);
}

/**
 * Value.Convert reads '86.86' as 86, and '0x10' or '1e3' as numbers: an
 * integer setting written as text must be plain decimal digits, or it is a typo.
 */
function notDecimal(schema: TSchema, value: unknown, converted: unknown): string | undefined {
  if ((schema as { type?: unknown }).type !== 'integer' || typeof value !== 'string' || typeof converted !== 'number') return undefined;
  return /^\s*-?\d+\s*$/.test(value) ? undefined : 'must be a decimal integer';
}

function keyForEnv(name: string): SettingKey | undefined {
  for (const key of schemas.keys()) if (envName(key) === name) return key;
  return undefined;
}

function firstError(schema: TSchema, value: unknown): string | undefined {
  const errors = [...Value.Errors(schema, value)];
  if (errors.length === 0) return undefined;
  const enumValues = (schema as { enum?: unknown[] }).enum;
  if (enumValues) return `must be one of ${enumValues.join(', ')}`;
  return errors[0]?.message;
}

function readConfigFile(
  path: string,
  readFile: (path: string) => string,
  violations: ConfigViolation[],
): [SettingKey, RawValue][] {
  let document: unknown;
  try {
    document = parseYaml(readFile(path));
  } catch (err) {
    violations.push({ source: path, reason: `cannot read config file: ${(err as Error).message}` });
    return [];
  }
  if (document === null || document === undefined) return [];
  if (typeof document !== 'object' || Array.isArray(document)) {
    violations.push({ source: path, reason: 'config file must hold a mapping of setting names to values' });
    return [];
  }
  const entries: [SettingKey, RawValue][] = [];
  for (const [key, value] of Object.entries(document)) {
    if (schemas.has(key as SettingKey) && key !== 'config') entries.push([key as SettingKey, { value, source: `${path}: ${key}` }]);
    else violations.push({ source: `${path}: ${key}`, reason: 'unknown setting (see vnf-agent run --help)' });
  }
  return entries;
}
