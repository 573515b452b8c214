import Type, { type Static } from 'typebox';

/**
 * The VnfCluster custom resource (vnf-agent.dev/v1alpha1), modelled once. The
 * CRD under charts/vnf-agent/crds/ is generated from these schemas
 * (scripts/gen-crd.ts) and a test keeps the two identical, so the API server and
 * the agent never disagree about a field.
 */
export const VNF_GROUP = 'vnf-agent.dev';
export const VNF_VERSION = 'v1alpha1';
export const VNF_PLURAL = 'vnfclusters';
export const VNF_KIND = 'VnfCluster';

const Seconds = (def: number, max: number, description: string) =>
  Type.Integer({ minimum: 0, maximum: max, default: def, description });

export const ScalingPolicy = Type.Object(
  {
    type: Type.Enum(['Pods', 'Percent'], { description: 'Pods: change by a number of pods; Percent: by a share of current replicas.' }),
    value: Type.Integer({ minimum: 1, description: 'How many pods, or what percent, may change within one period.' }),
    periodSeconds: Type.Integer({ minimum: 1, maximum: 1800, description: 'Length of the window the limit applies to.' }),
  },
  { additionalProperties: false },
);

const Direction = (stabilization: number, description: string) =>
  Type.Object(
    {
      stabilizationWindowSeconds: Seconds(stabilization, 3600, 'Use the most conservative recommendation seen in this window; damps flapping.'),
      selectPolicy: Type.Enum(['Max', 'Min', 'Disabled'], { default: 'Max', description: 'Max: the policy allowing the most change wins; Min: the least; Disabled: never scale this way.' }),
      policies: Type.Optional(Type.Array(ScalingPolicy, { maxItems: 10, description: 'Rate limits; empty means the HPA defaults.' })),
    },
    { additionalProperties: false, default: {}, description },
  );

export const Schedule = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 63 }),
    cron: Type.String({ minLength: 1, description: 'When the window opens (5- or 6-field cron, as node-cron reads it).' }),
    timeZone: Type.Optional(Type.String({ description: 'IANA time zone of the cron expression; default UTC.' })),
    durationMinutes: Type.Integer({ minimum: 1, maximum: 10080, description: 'How long the window stays open.' }),
    minReplicas: Type.Optional(Type.Integer({ minimum: 0, description: 'Capacity floor while open (schedules only).' })),
  },
  { additionalProperties: false },
);

/** Defaults of spec.predictive, also applied by the agent when a spec carries none (the API server fills them in). */
export const PREDICTIVE_DEFAULTS = Object.freeze({ enabled: false, historyWeeks: 2, maxBoostReplicas: 5 });

export const Predictive = Type.Object(
  {
    enabled: Type.Boolean({ default: PREDICTIVE_DEFAULTS.enabled, description: 'Learn the weekly load curve and scale up one lead time ahead of it.' }),
    leadTimeSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600, description: 'How far ahead to order capacity; default the measured pod start-to-ready time (60 s until measured).' })),
    historyWeeks: Type.Integer({ minimum: 1, maximum: 4, default: PREDICTIVE_DEFAULTS.historyWeeks, description: 'Weeks the curve remembers: older weeks fade and are then forgotten.' }),
    maxBoostReplicas: Type.Integer({ minimum: 1, maximum: 1000, default: PREDICTIVE_DEFAULTS.maxBoostReplicas, description: 'Most replicas the forecast may add above what the load asks for now.' }),
  },
  { additionalProperties: false, default: {}, description: 'Predictive scaling from the load history (a ConfigMap <cluster>-load-history owned by this VnfCluster). The forecast only raises the decision, within maxReplicas, the scale-up policies and maintenance windows.' },
);

/** Where each member's own Service (spec.exposure) gets its address from; None = no per-member Service (the default). */
export const EXPOSURE_TYPES = ['None', 'NodePort', 'LoadBalancer'] as const;

export const ExposurePort = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', maxLength: 15 }),
    port: Type.Integer({ minimum: 1, maximum: 65535, description: 'Port of the Service, and the container port it sends to.' }),
    protocol: Type.Enum(['UDP', 'TCP'], { default: 'UDP' }),
  },
  { additionalProperties: false },
);

export const Exposure = Type.Object(
  {
    type: Type.Enum([...EXPOSURE_TYPES], {
      default: 'None',
      description: 'None: no per-member Service. NodePort: each member is reached at its node address and its own node port. LoadBalancer: at its own load balancer ingress.',
    }),
    annotations: Type.Record(Type.String(), Type.String(), { default: {}, description: 'Put on every member Service (cloud load balancer settings).' }),
    ports: Type.Array(ExposurePort, {
      default: [],
      maxItems: 10,
      // Port names key the list, as in a Service: the API server refuses two ports of one name.
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
      description: 'Ports of each member Service; empty means the SIP port of the sidecars (VNF_AGENT_SIP_PORT) over UDP and TCP. The first one is the advertised address.',
    }),
  },
  { additionalProperties: false, default: {}, description: 'A Service per member (e.g. one address per Bono), owned by its pod; the member advertises that address to its SIP server.' },
);

export const VnfClusterSpec = Type.Object(
  {
    role: Type.Enum(['sprout', 'bono', 'generic'], { default: 'generic', description: 'What the pods are: a SIP router (sprout), an edge proxy (bono), or any SIP server.' }),
    targetRef: Type.Object(
      {
        kind: Type.Enum(['Deployment'], { default: 'Deployment' }),
        name: Type.String({ minLength: 1, maxLength: 253, description: 'The Deployment whose replicas the leader sets.' }),
      },
      { additionalProperties: false },
    ),
    selector: Type.Object(
      { matchLabels: Type.Record(Type.String(), Type.String(), { description: 'Labels of the member pods.' }) },
      { additionalProperties: false, description: 'Which pods are members of this cluster.' },
    ),
    minReplicas: Type.Integer({ minimum: 1, maximum: 1000, default: 1 }),
    maxReplicas: Type.Integer({ minimum: 1, maximum: 1000, default: 10 }),
    targetUtilization: Type.Number({ minimum: 0.05, maximum: 2, default: 0.8, description: 'Average load the cluster is sized for; 1.0 = every pod at its signal targets.' }),
    tolerance: Type.Number({ minimum: 0, maximum: 1, default: 0.1, description: 'No change while the usage ratio is within 1 +/- tolerance.' }),
    behavior: Type.Object(
      {
        scaleUp: Direction(0, 'How fast to add pods.'),
        scaleDown: Direction(300, 'How fast to remove pods.'),
      },
      { additionalProperties: false, default: {} },
    ),
    overload: Type.Object(
      {
        enabled: Type.Boolean({ default: true, description: 'Scale up at once when pods reject calls with 503 or drop packets.' }),
        step: Type.Integer({ minimum: 1, maximum: 100, default: 1, description: 'Pods added per overloaded cycle.' }),
      },
      { additionalProperties: false, default: {} },
    ),
    schedules: Type.Array(Schedule, { default: [], maxItems: 50, description: 'Cron capacity floors.' }),
    maintenanceWindows: Type.Array(Schedule, { default: [], maxItems: 50, description: 'When set, scale-in happens only inside one of these windows.' }),
    drainTimeoutSeconds: Seconds(60, 3600, 'Longest a leaving pod may drain before it is removed.'),
    drainMinimumSeconds: Seconds(0, 3600, 'Shortest a leaving pod drains, even with no calls (at most drainTimeoutSeconds): for an edge proxy, its clients\' re-registration interval, so each refreshes once while it turns them away and none is left registered through it when it goes.'),
    upstreams: Type.Array(
      Type.Object({ cluster: Type.String({ minLength: 1, maxLength: 63 }) }, { additionalProperties: false }),
      { default: [], maxItems: 10, description: 'VnfClusters this one routes to (Bono -> Sprout); their active members are rendered as peers.' },
    ),
    paused: Type.Boolean({ default: false, description: 'Freeze replicas where they are.' }),
    manualReplicas: Type.Optional(Type.Integer({ minimum: 0, description: 'Hold replicas at this count (still within min/max).' })),
    predictive: Type.Optional(Predictive),
    exposure: Type.Optional(Exposure),
    leaseName: Type.Optional(Type.String({ minLength: 1, maxLength: 253, description: 'Lease used for election; default <cluster>-leader.' })),
  },
  { additionalProperties: false },
);

export const MemberState = Type.Enum(['joining', 'active', 'leaving']);

export const Member = Type.Object(
  {
    pod: Type.String(),
    ip: Type.String({ default: '' }),
    state: MemberState,
    ready: Type.Boolean(),
    load: Type.Optional(Type.Number({ description: 'Utilization from the pod\'s latest sample.' })),
    publicAddress: Type.Optional(Type.String({ description: 'host:port clients reach this member at (spec.exposure), as its sidecar applied it to its SIP server.' })),
  },
  { additionalProperties: false },
);

export const Condition = Type.Object(
  {
    type: Type.String(),
    status: Type.Enum(['True', 'False', 'Unknown']),
    reason: Type.String(),
    message: Type.String(),
    lastTransitionTime: Type.String({ format: 'date-time' }),
    observedGeneration: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);

export const VnfClusterStatus = Type.Object(
  {
    observedGeneration: Type.Optional(Type.Integer({ minimum: 0 })),
    leader: Type.Optional(Type.String()),
    members: Type.Optional(Type.Array(Member)),
    membershipGeneration: Type.Optional(Type.Integer({ minimum: 0 })),
    replicas: Type.Optional(Type.Integer({ minimum: 0 })),
    desiredReplicas: Type.Optional(Type.Integer({ minimum: 0 })),
    load: Type.Optional(Type.String({ description: 'Average utilization as text, for kubectl get.' })),
    lastDecision: Type.Optional(
      Type.Object(
        { replicas: Type.Integer({ minimum: 0 }), reason: Type.String(), time: Type.String({ format: 'date-time' }) },
        { additionalProperties: false },
      ),
    ),
    conditions: Type.Optional(Type.Array(Condition)),
  },
  { additionalProperties: false },
);

export type VnfClusterSpec = Static<typeof VnfClusterSpec>;
export type VnfClusterStatus = Static<typeof VnfClusterStatus>;
export type Member = Static<typeof Member>;
export type Exposure = Static<typeof Exposure>;
export type ExposurePort = Static<typeof ExposurePort>;
export type ExposureType = (typeof EXPOSURE_TYPES)[number];
export type MemberState = Static<typeof MemberState>;

export interface VnfCluster {
  apiVersion: `${typeof VNF_GROUP}/${typeof VNF_VERSION}`;
  kind: typeof VNF_KIND;
  metadata: { name: string; namespace?: string; resourceVersion?: string; generation?: number; uid?: string };
  spec: VnfClusterSpec;
  status?: VnfClusterStatus;
}
