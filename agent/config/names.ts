/** Setting keys are camelCase; the environment and flags spell them differently. */
export const ENV_PREFIX = 'VNF_AGENT_';

const words = (key: string): string[] => key.split(/(?=[A-Z])/).map((w) => w.toLowerCase());

export const envName = (key: string): string => ENV_PREFIX + words(key).join('_').toUpperCase();
export const flagName = (key: string): string => words(key).join('-');

export function keyFromFlag(flag: string): string {
  return flag.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}
