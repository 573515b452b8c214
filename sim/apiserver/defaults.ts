import { isObject, type JsonObject, type KubeObject } from './objects.js';

/** Sets `obj[key]` only when the client left it out, as Go defaulting functions do. */
function fill(obj: JsonObject, key: string, value: unknown): void {
  if (obj[key] === undefined || obj[key] === null) obj[key] = value;
}

function imagePullPolicy(image: unknown): string {
  if (typeof image !== 'string') return 'IfNotPresent';
  const tagged = /:[^/]+$/.test(image.split('@')[0]!);
  return !tagged || image.endsWith(':latest') ? 'Always' : 'IfNotPresent';
}

function defaultProbe(probe: JsonObject): void {
  fill(probe, 'timeoutSeconds', 1);
  fill(probe, 'periodSeconds', 10);
  fill(probe, 'successThreshold', 1);
  fill(probe, 'failureThreshold', 3);
}

/** The defaults the real server adds to a PodSpec (the ones clients commonly read back). */
export function defaultPodSpec(spec: unknown): void {
  if (!isObject(spec)) return;
  fill(spec, 'restartPolicy', 'Always');
  fill(spec, 'terminationGracePeriodSeconds', 30);
  fill(spec, 'dnsPolicy', 'ClusterFirst');
  fill(spec, 'securityContext', {});
  fill(spec, 'schedulerName', 'default-scheduler');
  const containers = Array.isArray(spec.containers) ? spec.containers : [];
  for (const c of containers) {
    if (!isObject(c)) continue;
    fill(c, 'imagePullPolicy', imagePullPolicy(c.image));
    fill(c, 'terminationMessagePath', '/dev/termination-log');
    fill(c, 'terminationMessagePolicy', 'File');
    fill(c, 'resources', {});
    for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe]) if (isObject(probe)) defaultProbe(probe);
    for (const port of Array.isArray(c.ports) ? c.ports : []) if (isObject(port)) fill(port, 'protocol', 'TCP');
  }
}

export function defaultPod(pod: KubeObject): void {
  if (!isObject(pod.spec)) pod.spec = {};
  defaultPodSpec(pod.spec);
  // Go defaults this in SetDefaults_Pod, not for PodSpec: pod templates keep it unset.
  fill(pod.spec as JsonObject, 'enableServiceLinks', true);
}

/**
 * Go checks the strategy's type, not whether the struct is there: a client that
 * encodes the whole Go struct (kubectl's protobuf bodies) sends an empty one.
 */
function defaultStrategy(strategy: JsonObject): void {
  if (strategy.type === undefined || strategy.type === null || strategy.type === '') strategy.type = 'RollingUpdate';
  if (strategy.type !== 'RollingUpdate') return;
  fill(strategy, 'rollingUpdate', {});
  if (!isObject(strategy.rollingUpdate)) return;
  fill(strategy.rollingUpdate, 'maxUnavailable', '25%');
  fill(strategy.rollingUpdate, 'maxSurge', '25%');
}

export function defaultDeployment(deploy: KubeObject): void {
  if (!isObject(deploy.spec)) deploy.spec = {};
  const spec = deploy.spec as JsonObject;
  fill(spec, 'replicas', 1);
  fill(spec, 'strategy', {});
  if (isObject(spec.strategy)) defaultStrategy(spec.strategy);
  fill(spec, 'revisionHistoryLimit', 10);
  fill(spec, 'progressDeadlineSeconds', 600);
  const template = isObject(spec.template) ? spec.template : {};
  spec.template = template;
  fill(template, 'metadata', {});
  defaultPodSpec(template.spec);
}

export function defaultReplicaSet(rs: KubeObject): void {
  if (!isObject(rs.spec)) rs.spec = {};
  fill(rs.spec as JsonObject, 'replicas', 1);
  const template = (rs.spec as JsonObject).template;
  if (isObject(template)) defaultPodSpec(template.spec);
}

export function defaultNamespace(ns: KubeObject): void {
  // The real server labels every namespace with its own name (NamespaceDefaultLabelName).
  ns.metadata.labels = { ...(ns.metadata.labels ?? {}), 'kubernetes.io/metadata.name': ns.metadata.name ?? '' };
  if (!isObject(ns.spec)) ns.spec = {};
  fill(ns.spec as JsonObject, 'finalizers', ['kubernetes']);
}
