import { parseArgs } from 'node:util';
import { flagName, keyFromFlag, settingSchemas, settingsHelp } from './config/index.js';

/** What the command line asked for; main.ts turns it into effects. */
export type Command =
  | { readonly kind: 'help'; readonly text: string }
  | { readonly kind: 'version' }
  | { readonly kind: 'run'; readonly flags: Record<string, string> }
  | { readonly kind: 'apiserver'; readonly args: readonly string[] }
  | { readonly kind: 'local'; readonly args: readonly string[] }
  | { readonly kind: 'inject'; readonly args: readonly string[] }
  | { readonly kind: 'usage-error'; readonly message: string };

const USAGE = `Usage: vnf-agent <command> [flags]

A self-managing sidecar for SIP network functions on Kubernetes.

Commands:
  run        run the sidecar (the container's default command)
  local      run a whole Sprout/Bono cluster on this machine with a live dashboard (npm start)
  apiserver  run the embedded stand-in Kubernetes API server alone (local playground, tests)
  inject     add the sidecar to the Deployments of a manifest (-f FILE)

Global flags:
  -h, --help     show help (also: vnf-agent <command> --help)
  -V, --version  print the version

Run 'vnf-agent run --help' for every setting, its environment variable and default.`;

const RUN_USAGE = `Usage: vnf-agent run [flags]

Runs the sidecar. Every setting can come from a flag, an environment variable or
the config file (--config); flags win over env, env over the file.

Settings (flag, environment variable, default):
${settingsHelp()}`;

export function parseCommandLine(argv: readonly string[]): Command {
  const [first, ...rest] = argv;
  if (first === undefined || first === '-h' || first === '--help' || first === 'help') return { kind: 'help', text: USAGE };
  if (first === '-V' || first === '--version') return { kind: 'version' };
  if (first === 'run') return parseRun(rest);
  // The stand-in parses its own flags: it lives in sim/, which the product loads only for this command.
  if (first === 'apiserver') return { kind: 'apiserver', args: rest };
  // The playground parses its own flags and also lives in sim/ (sim/playground/command.ts).
  if (first === 'local') return { kind: 'local', args: rest };
  // inject parses its own flags (agent/inject/command.ts).
  if (first === 'inject') return { kind: 'inject', args: rest };
  if (first.startsWith('-')) return { kind: 'usage-error', message: `unknown flag ${first}\n\n${USAGE}` };
  return { kind: 'usage-error', message: `unknown command ${JSON.stringify(first)}\n\n${USAGE}` };
}

function parseRun(args: readonly string[]): Command {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = { help: { type: 'boolean', short: 'h' } };
  for (const [key] of settingSchemas()) options[flagName(key)] = { type: 'string' };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...args], options, strict: true, allowPositionals: false });
  } catch (err) {
    return { kind: 'usage-error', message: `${(err as Error).message}\n\nRun 'vnf-agent run --help' for the settings.` };
  }
  if (parsed.values.help === true) return { kind: 'help', text: RUN_USAGE };
  const flags: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed.values)) {
    if (typeof value === 'string') flags[keyFromFlag(name)] = value;
  }
  return { kind: 'run', flags };
}
