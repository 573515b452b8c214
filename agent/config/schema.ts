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
    mutatingRequestsPerMinute: Type.Integer({
      minimum: 1,
      maximum: 100_000,
      default: 30,
      description: 'POST /drain and POST /scale requests one client IP may make per minute (each route counted alone); more get 429. Also bounds token guessing.',
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
    eventLoopSampleMs: Type.Integer({
      minimum: 10,
      maximum: 60_000,
      default: 1_000,
      description: 'How often the nodejs_eventloop_lag_{min,max,mean,stddev,p50,p90,p99}_seconds histogram samples the event loop. prom-client\'s own default is 10 ms: 100 wakeups a second, about 4 ms/s of CPU in an idle sidecar. Lower it to catch stalls shorter than this; nodejs_eventloop_lag_seconds is measured at each scrape either way.',
    }),
    electionWatch: Type.Boolean({
      default: true,
      description: 'Standbys follow the Lease with a watch and take a released or expired lease at once. false = client-go behaviour (standbys poll every retry period): only for comparison; it costs more API reads and a slower handover.',
    }),
    deathProof: Type.Boolean({
      default: true,
      description: 'A standby takes the Lease at once, before it expires, when the kubelet reports that the leader\'s sidecar container ended during its term (terminated, or restarted). false = always wait for the Lease to expire.',
    }),
    containerName: Type.String({
      pattern: dns1123,
      maxLength: 63,
      default: 'vnf-agent',
      description: 'Name of this sidecar\'s container in its pod (the chart names it vnf-agent). Its status is written into the Lease with each term, so standbys can tell when that process has ended.',
    }),
    drainRouteAwayMs: Type.Integer({
      minimum: 0,
      maximum: 60_000,
      default: 2_000,
      description: 'How long peers may still route new calls to this pod after they could know it is leaving: its leaving mark reached the API server (or, without a cluster, the drain started). A drain ends on 0 calls in flight only when that count was taken this long after. Raise it when peers take longer to stop routing here (their pod watch, peer file write and SIP server reload).',
    }),
    drainNotice: Type.Enum(['kamailio-rpc', 'none'], {
      default: 'none',
      description: 'How the SIP server learns this pod is leaving, once its drain starts and again every agent pass until it ends: kamailio-rpc (JSON-RPC pv.shvSet of $shv(draining) to 1 at drainNoticeUrl; the chart\'s Bono then answers REGISTER with 503 and Retry-After, so clients register through another Bono while its calls end), or none.',
    }),
    drainNoticeUrl: Type.String({
      default: '',
      description: 'Kamailio JSON-RPC URL for drainNotice kamailio-rpc (e.g. http://127.0.0.1:5060/RPC).',
    }),
    historyPersistMs: Type.Integer({
      minimum: 1_000,
      maximum: 3_600_000,
      default: 60_000,
      description: 'Least time between the leader\'s writes of the load history predictive scaling learns from (its ConfigMap). Each write is an API write and a watch event; a new leader loses at most this much history. A history bucket is 5 minutes, so writing more often than every minute buys little.',
    }),
    loopIntervalMs: Type.Integer({
      minimum: 100,
      maximum: 60_000,
      default: 1_000,
      description: 'Period of the agent loop (membership, status, scaling). Events (pod, policy, leadership changes) wake it early, so lower only buys faster reaction to load changes.',
    }),
    apiTimeoutMs: Type.Integer({
      minimum: 100,
      maximum: 60_000,
      default: 2_000,
      description: 'Deadline of every Kubernetes API call. Keep it below the renew deadline so a hung call cannot outlive leadership.',
    }),
    leaseDurationMs: Type.Integer({
      minimum: 1_000,
      maximum: 300_000,
      default: 8_000,
      description:
        'How long standbys wait after they last saw the Lease change before taking over (written rounded up to whole seconds). Lower = faster failover after a leader dies; it must stay above the renew deadline, and lease/renew-deadline is the clock-rate mismatch tolerated (8s/6s = 1.33).',
    }),
    renewDeadlineMs: Type.Integer({
      minimum: 1,
      maximum: 300_000,
      default: 6_000,
      description:
        'The leader stops leading (and refuses scale writes) when no renewal succeeded for this long. Keep it at least 2 s below the lease duration (the safety gap) and above 1.2 x the retry period, so a slow API server gets a few retries.',
    }),
    retryPeriodMs: Type.Integer({
      minimum: 1,
      maximum: 60_000,
      default: 2_000,
      description:
        'Renew cadence of the leader and poll period of standbys (jittered up to 2.2x). Lower = quicker reactions but more Lease writes; the leader makes one write per period.',
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
    nodeAddress: Type.String({
      default: '',
      description: 'With spec.exposure NodePort: the address node ports are served on, when not the pod\'s status.hostIP (e.g. kube-proxy --nodeport-addresses). Empty = hostIP.',
    }),
    publicAddressFile: Type.String({
      default: '',
      description: 'With spec.exposure: file the pod\'s public address is written to (atomically, only on change) for its SIP server; empty writes none.',
    }),
    publicAddressFormat: Type.Enum(['kamailio', 'clearwater'], {
      default: 'kamailio',
      description: 'Format of publicAddressFile: kamailio (#!define PUBLIC_ADDRESS/PUBLIC_HOST/PUBLIC_PORT) or clearwater (public_ip=, public_hostname= of local_config).',
    }),
    publicAddressReload: Type.Enum(['kamailio-rpc', 'none'], {
      default: 'none',
      description: 'How the running SIP server learns its public address: kamailio-rpc (JSON-RPC pv.shvSet of $shv(public_address) at publicAddressReloadUrl), or none.',
    }),
    publicAddressReloadUrl: Type.String({
      default: '',
      description: 'Kamailio JSON-RPC URL for publicAddressReload kamailio-rpc (e.g. http://127.0.0.1:5060/RPC).',
    }),
    peersRetryMaxMs: Type.Integer({
      minimum: 1_000,
      maximum: 600_000,
      default: 30_000,
      description: 'Longest wait between retries of a failed write or reload (backoff doubles from 1 s). Kamailio refuses reloads within reload_delta (5 s) of the last.',
    }),
    signalSources: Type.String({
      pattern: '^[a-z-]+(,[a-z-]+)*$',
      default: 'sip-options,socket',
      description: 'Load signals to sample, comma-separated: sip-options (required: readiness), socket, kamailio, prometheus. Sprout/Bono: sip-options,socket; Kamailio: add kamailio.',
    }),
    signalIntervalMs: Type.Integer({
      minimum: 100,
      maximum: 600_000,
      default: 2_000,
      description: 'Time between load samples. Shorter reacts faster and costs more probes; keep it below the readiness probe period.',
    }),
    signalTimeoutMs: Type.Integer({
      minimum: 50,
      maximum: 60_000,
      default: 1_500,
      description: 'Bound on one source\'s read; a slower read is reported as timeout. Must be below signalIntervalMs.',
    }),
    signalSmoothing: Type.Number({
      minimum: 0.01,
      maximum: 1,
      default: 0.5,
      description: 'Weight of the newest pass in the utilization moving average: 1 = no smoothing; lower damps spikes but reacts later.',
    }),
    signalTargets: Type.String({
      default: 'socket.udpRxQueueBytes=100000,socket.tcpListenBacklog=64',
      description: 'Targets (value that means utilization 1.0) as source.key=number, comma-separated. Keys: sip-options.rttMs, socket.udpRxQueueBytes, socket.tcpEstablished, socket.tcpListenBacklog, kamailio.activeTransactions, kamailio.activeDialogs, kamailio.requestsPerS, kamailio.shmUsedRatio. Set each to the load one pod should carry. In the scaling decision a pod counts for at most 2.0: past its capacity a queue or a probe delay measures backlog, not load.',
    }),
    signalOptionsTransports: Type.String({
      pattern: '^(udp|tcp)(,(udp|tcp))?$',
      default: 'udp,tcp',
      description: 'Transports the SIP OPTIONS probe uses (podIp:sipPort). Sprout and Bono listen on both; probe the ones clients use.',
    }),
    signalOptionsTimeoutMs: Type.Integer({
      minimum: 20,
      maximum: 60_000,
      default: 1_000,
      description: 'How long one OPTIONS may take before it counts as timeout (UDP retransmits at 500 ms, 1 s, ...). Like Clearwater\'s poll-sip: target latency plus margin; below signalTimeoutMs.',
    }),
    signalSocketPorts: Type.String({
      pattern: '^([0-9]+(,[0-9]+)*)?$',
      default: '',
      description: 'SIP ports whose sockets the socket signal reads from /proc/net, comma-separated; empty means sipPort. Sprout: 5052,5054; Bono: 5060,5058.',
    }),
    signalProcNetDir: Type.String({
      minLength: 1,
      default: '/proc/net',
      description: 'Where the socket tables are read. The sidecar shares the pod\'s network namespace, so /proc/net shows the SIP server\'s sockets.',
    }),
    signalKamailioRpcUrl: Type.String({
      default: '',
      description: 'Kamailio JSON-RPC over HTTP (modules xhttp and jsonrpcs, transport 1), e.g. http://127.0.0.1:5060/RPC. Required when signalSources has kamailio.',
    }),
    signalPrometheusUrl: Type.String({
      default: '',
      description: 'Metrics page of the SIP server to scrape (e.g. Kamailio xhttp_prom http://127.0.0.1:5060/metrics). Required when signalSources has prometheus.',
    }),
    signalPrometheusSeries: Type.String({
      default: '',
      description: 'Series to read, separated by ";": name{label="v"}=target, or rate(name)=target for a per-second rate of a counter. Matching samples are summed; the target means utilization 1.0.',
    }),
    sampleStaleMs: Type.Integer({
      minimum: 500,
      maximum: 600_000,
      default: 10_000,
      description: 'A member\'s load sample older than this counts as missing when the leader decides (the HPA\'s missing-metric rule: 0% on scale-up, 100% of target on scale-down). Keep it at 3-5x signalIntervalMs; too short turns slow peers into missing ones. The overload fast path also waits for new pods first Ready less than this ago: they have no share of the calls yet.',
    }),
    gatherTimeoutMs: Type.Integer({
      minimum: 50,
      maximum: 60_000,
      default: 1_000,
      description: 'Bound on each call the leader makes to a member\'s sidecar (GET /load, POST and GET /drain). A member slower than this keeps its previous sample, which turns missing after sampleStaleMs. Keep it below loopIntervalMs x 2.',
    }),
    scaleForwardTimeoutMs: Type.Integer({
      minimum: 100,
      maximum: 60_000,
      default: 5_000,
      description: 'Bound on a /scale request a non-leader forwards to the leader\'s sidecar; a slower leader is answered with 502.',
    }),
    statusRefreshMs: Type.Integer({
      minimum: 1_000,
      maximum: 600_000,
      default: 15_000,
      description: 'Least time between VnfCluster status writes that change only the load text or the decision\'s wording. Replica counts are written at once. Each write wakes every sidecar\'s watch, so keep it near the HPA sync period (15 s).',
    }),
  },
  { additionalProperties: false },
);

export type Config = Readonly<Static<typeof ConfigSchema>>;
export type SettingKey = Extract<keyof Config, string>;

export function settingSchemas(): [SettingKey, TSchema & { description?: string; default?: unknown }][] {
  return Object.entries(ConfigSchema.properties) as [SettingKey, TSchema & { description?: string }][];
}
