/**
 * The sidecar that `vnf-agent inject` adds, as plain objects. It mirrors the
 * chart's `vnf-agent.sidecar`, `vnf-agent.sidecarVolumes` and
 * `vnf-agent.drainPreStop` templates (charts/vnf-agent/templates/_sidecar.tpl);
 * a test renders both and compares them, so the two cannot drift.
 */
export const SIDECAR_NAME = 'vnf-agent';
export const TOKEN_MOUNT = '/var/run/secrets/vnf-agent';
export const SHARED_MOUNT = '/var/run/vnf-agent';
/** Marks pods carrying the sidecar (the chart's metrics Service selects it). */
export const SIDECAR_LABEL = 'vnf-agent.dev/sidecar';

export interface SidecarOptions {
  readonly cluster: string;
  readonly image: string;
  readonly sipPort: number;
  readonly httpPort: number;
  readonly tokenSecret: string;
  readonly drainTimeoutSeconds: number;
  readonly shutdownTimeoutSeconds: number;
  /**
   * A native sidecar (Kubernetes 1.29+), to be listed under initContainers:
   * restartPolicy Always and a startupProbe on GET /startupz, so the kubelet
   * starts the SIP server only once any peer file is written and stops the
   * sidecar after it. false: an ordinary container, for older clusters.
   */
  readonly native: boolean;
}

const fieldEnv = (name: string, fieldPath: string) => ({ name, valueFrom: { fieldRef: { fieldPath } } });

/** GET, because that is all a Kubernetes hook can do; the sidecar answers once drained. */
export function drainPreStop(httpPort: number): Record<string, unknown> {
  return { preStop: { httpGet: { path: '/drain?wait=true', port: httpPort } } };
}

/** Drain + the sidecar's own stop + 5 s slack, so the kubelet never kills a pod mid-drain. */
export function terminationGraceSeconds(o: Pick<SidecarOptions, 'drainTimeoutSeconds' | 'shutdownTimeoutSeconds'>): number {
  return o.drainTimeoutSeconds + o.shutdownTimeoutSeconds + 5;
}

export function sidecarContainer(o: SidecarOptions): Record<string, unknown> {
  return {
    name: SIDECAR_NAME,
    image: o.image,
    imagePullPolicy: 'IfNotPresent',
    args: ['run'],
    ...(o.native ? { restartPolicy: 'Always' } : {}),
    ports: [{ name: 'agent-http', containerPort: o.httpPort, protocol: 'TCP' }],
    env: [
      // Downward API first: later values may refer to them as $(VNF_AGENT_POD_IP).
      fieldEnv('VNF_AGENT_POD_NAME', 'metadata.name'),
      fieldEnv('VNF_AGENT_POD_NAMESPACE', 'metadata.namespace'),
      fieldEnv('VNF_AGENT_POD_IP', 'status.podIP'),
      { name: 'VNF_AGENT_CLUSTER', value: o.cluster },
      { name: 'VNF_AGENT_SIP_PORT', value: String(o.sipPort) },
      { name: 'VNF_AGENT_HTTP_HOST', value: '0.0.0.0' },
      { name: 'VNF_AGENT_HTTP_PORT', value: String(o.httpPort) },
      { name: 'VNF_AGENT_TOKEN_FILE', value: `${TOKEN_MOUNT}/token` },
      { name: 'VNF_AGENT_LOG_LEVEL', value: 'info' },
      { name: 'VNF_AGENT_SHUTDOWN_TIMEOUT_MS', value: String(o.shutdownTimeoutSeconds * 1000) },
    ],
    // Not /readyz: a Bono is ready only once its running SIP server loaded the peers.
    ...(o.native ? { startupProbe: { httpGet: { path: '/startupz', port: o.httpPort }, periodSeconds: 1, failureThreshold: 120 } } : {}),
    livenessProbe: { httpGet: { path: '/livez', port: o.httpPort }, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 },
    readinessProbe: { httpGet: { path: '/readyz', port: o.httpPort }, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 2 },
    lifecycle: drainPreStop(o.httpPort),
    // Sized from `npm run bench` (README, bench/results/footprint.json), as the chart's values.yaml: the image's bundle on Node 26, RSS 62.4 MiB idle, 74.8 MiB leading 100 peers.
    resources: { limits: { cpu: '500m', memory: '168Mi' }, requests: { cpu: '50m', memory: '84Mi' } },
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
    volumeMounts: [
      { name: 'vnf-agent-token', mountPath: TOKEN_MOUNT, readOnly: true },
      { name: 'vnf-agent-tmp', mountPath: '/tmp' },
      { name: 'vnf-agent-shared', mountPath: SHARED_MOUNT },
    ],
  };
}

export function sidecarVolumes(o: Pick<SidecarOptions, 'tokenSecret'>): Record<string, unknown>[] {
  return [
    // 0440 = 288: readable by the sidecar's group through the pod's fsGroup.
    { name: 'vnf-agent-token', secret: { secretName: o.tokenSecret, defaultMode: 0o440, items: [{ key: 'token', path: 'token' }] } },
    { name: 'vnf-agent-tmp', emptyDir: { sizeLimit: '64Mi' } },
    { name: 'vnf-agent-shared', emptyDir: { sizeLimit: '16Mi' } },
  ];
}
