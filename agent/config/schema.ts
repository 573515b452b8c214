import Type, { type Static, type TSchema } from 'typebox';

/**
 * Every setting of the sidecar, in one schema. Each property's `description` is
 * the doc line `vnf-agent run --help` prints: what it does and how to tune it.
 * Environment names and flags are derived from the key (see names.ts), so the
 * schema is the only list there is.
 */
const dns1123 = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';

const port = (defaultValue: number, description: string) =>
  Type.Integer({ minimum: 1, maximum: 65535, default: defaultValue, description });

export const ConfigSchema = Type.Object(
  {
    config: Type.String({
      default: '',
      description: 'Optional YAML or JSON file with any of these settings (camelCase keys). Env and flags override it.',
    }),
    podName: Type.String({
      minLength: 1,
      maxLength: 253,
      default: '',
      description: 'This pod\'s name (downward API metadata.name). It is the leader-election identity; defaults to the hostname.',
    }),
    podNamespace: Type.String({
      pattern: dns1123,
      maxLength: 63,
      default: 'default',
      description: 'Namespace of this pod and its VnfCluster (downward API metadata.namespace).',
    }),
    podIp: Type.String({
      default: '',
      description: 'This pod\'s IP (downward API status.podIP). The local SIP server is probed here; empty means 127.0.0.1.',
    }),
    cluster: Type.String({
      default: '',
      description: 'Name of the VnfCluster this pod belongs to. Empty runs the sidecar without Kubernetes (local endpoints only).',
    }),
    kubeconfig: Type.String({
      default: '',
      description: 'Kubeconfig file used outside a pod; in a pod the ServiceAccount is used. KUBECONFIG is honoured too.',
    }),
    httpHost: Type.String({
      minLength: 1,
      default: '0.0.0.0',
      description: 'Address the HTTP endpoints bind to. Use 127.0.0.1 when only the pod itself may call them.',
    }),
    httpPort: port(8686, 'Port of the HTTP endpoints (health, status, metrics, scale). Match the chart\'s probes.'),
    sipPort: port(5060, 'Port of the local SIP server (Sprout: 5054, Bono: 5060). Probes and socket stats use it.'),
    tokenFile: Type.String({
      default: '',
      description: 'File holding the bearer token for mutating routes; re-read on change, so it can rotate. Empty disables them.',
    }),
    logLevel: Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      default: 'info',
      description: 'Log level. info logs one line per decision; debug adds every loop pass.',
    }),
    shutdownTimeoutMs: Type.Integer({
      minimum: 100,
      maximum: 600_000,
      default: 10_000,
      description: 'Upper bound for a graceful stop after SIGTERM; keep it below the pod\'s terminationGracePeriodSeconds.',
    }),
    peersRenderer: Type.Enum(['json', 'lines', 'kamailio-dispatcher', 'clearwater-cluster-settings', 'none'], {
      default: 'none',
      description:
        'Peer file format for the local SIP server: kamailio-dispatcher (dispatcher.list), clearwater-cluster-settings (servers=/new_servers=), lines (ip:port), json, or none to not write one.',
    }),
    peersFile: Type.String({
      default: '',
      description: 'Where the peer file is written (atomically, only on change). Put it on a volume the SIP server container mounts too.',
    }),
    peersSource: Type.Enum(['upstreams', 'self'], {
      default: 'upstreams',
      description: 'Whose members are rendered: upstreams (the VnfCluster\'s upstream clusters, e.g. Bono -> Sprouts) or self (this cluster, e.g. Clearwater cluster_settings).',
    }),
    peersSipPort: Type.Integer({
      minimum: 0,
      maximum: 65535,
      default: 0,
      description: 'Port the peers listen on (Sprout S-CSCF: 5054). 0 means the same as sipPort.',
    }),
    peersTransport: Type.Enum(['udp', 'tcp'], { default: 'udp', description: 'Transport written into kamailio-dispatcher URIs (;transport=).' }),
    peersDispatcherSetId: Type.Integer({
      minimum: 0,
      maximum: 65535,
      default: 1,
      description: 'Dispatcher set id of the first upstream cluster; the next ones get +1. Match ds_select_dst() in the Kamailio config.',
    }),
    peersReload: Type.Enum(['kamailio-rpc', 'http', 'signal', 'none'], {
      default: 'none',
      description: 'How the SIP server learns the file changed: kamailio-rpc (JSON-RPC dispatcher.reload), http (call peersReloadUrl), signal (to peersReloadProcess), none.',
    }),
    peersReloadUrl: Type.String({
      default: '',
      description: 'URL for kamailio-rpc (Kamailio xhttp + jsonrpcs, e.g. http://127.0.0.1:5060/RPC) or http reloads.',
    }),
    peersReloadMethod: Type.Enum(['POST', 'PUT', 'GET'], { default: 'POST', description: 'HTTP method of http reloads.' }),
    peersReloadProcess: Type.String({
      default: '',
      description: 'Process name to signal for signal reloads (e.g. sprout). Needs shareProcessNamespace: true on the pod.',
    }),
    peersReloadSignal: Type.Enum(['SIGHUP', 'SIGUSR1', 'SIGUSR2'], { default: 'SIGHUP', description: 'Signal sent for signal reloads.' }),
    peersTimeoutMs: Type.Integer({
      minimum: 100,
      maximum: 60_000,
      default: 2_000,
      description: 'Bound on one peer-file write and on one reload; a slower one counts as failed and is retried.',
    }),
    peersRetryMaxMs: Type.Integer({
      minimum: 1_000,
      maximum: 600_000,
      default: 30_000,
      description: 'Longest wait between retries of a failed write or reload (backoff doubles from 1 s). Kamailio refuses reloads within reload_delta (5 s) of the last.',
    }),
  },
  { additionalProperties: false },
);

export type Config = Readonly<Static<typeof ConfigSchema>>;
export type SettingKey = Extract<keyof Config, string>;

export function settingSchemas(): [SettingKey, TSchema & { description?: string; default?: unknown }][] {
  return Object.entries(ConfigSchema.properties) as [SettingKey, TSchema & { description?: string }][];
}
