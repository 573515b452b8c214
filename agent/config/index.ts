export { loadConfig, type ConfigSources } from './load.js';
export { ConfigError, type ConfigViolation } from './errors.js';
export { ConfigSchema, settingSchemas, type Config, type SettingKey } from './schema.js';
export { envName, flagName, keyFromFlag } from './names.js';
export { settingsHelp } from './help.js';
