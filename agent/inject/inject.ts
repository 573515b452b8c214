import { isMap, isSeq, parseAllDocuments, type Document, type YAMLMap } from 'yaml';
import { InjectError } from './errors.js';
import { drainPreStop, SIDECAR_LABEL, SIDECAR_NAME, sidecarContainer, sidecarVolumes, terminationGraceSeconds } from './sidecar.js';

/**
 * What `vnf-agent inject` adds. `cluster` and `sipPort` are per Deployment
 * when left out: the Deployment's name, and the first port of its first
 * container (5060 without one). `native` (default true, as in the chart)
 * adds a native sidecar after any init containers; false adds an ordinary
 * container, for clusters before Kubernetes 1.29.
 */
export interface InjectOptions {
  readonly cluster?: string | undefined;
  readonly sipPort?: number | undefined;
  readonly image: string;
  readonly httpPort: number;
  readonly tokenSecret: string;
  readonly serviceAccount: string;
  readonly drainTimeoutSeconds: number;
  readonly shutdownTimeoutSeconds: number;
  readonly native?: boolean | undefined;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** The kubelet's default when a pod spec leaves terminationGracePeriodSeconds out. */
const DEFAULT_GRACE_SECONDS = 30;

/**
 * Adds the sidecar to every apps/v1 Deployment of a multi-document manifest
 * and returns the whole manifest; other kinds pass through unchanged, comments
 * are kept. A Deployment that already has a `vnf-agent` container (or init
 * container) is left as it is, so injecting twice changes nothing, whatever
 * the layout. Any bad document throws InjectError before anything is returned.
 */
export function injectManifests(text: string, options: InjectOptions): string {
  const documents = parseAllDocuments(text);
  const out: string[] = [];
  documents.forEach((doc, index) => {
    const where = `document ${index + 1}`;
    const [error] = doc.errors;
    if (error) throw new InjectError(`${where} is not valid YAML: ${error.message.split('\n')[0]}`);
    if (doc.contents === null || (!isMap(doc.contents) && doc.contents.toJSON() === null)) return;
    if (!isMap(doc.contents)) throw new InjectError(`${where} is not a Kubernetes object (expected a mapping with apiVersion and kind)`);
    const kind = doc.get('kind');
    const apiVersion = doc.get('apiVersion');
    if (typeof kind !== 'string' || typeof apiVersion !== 'string') throw new InjectError(`${where} has no apiVersion and kind`);
    if (kind === 'Deployment') injectDeployment(doc, `${where} (Deployment)`, apiVersion, options);
    // Keep the author's flow lists on one line ({a: 1}, [x, y]) however long.
    out.push(doc.toString({ lineWidth: 0, flowCollectionPadding: false }).replace(/^---\n/, ''));
  });
  if (out.length === 0) throw new InjectError('the input holds no Kubernetes objects');
  return out.join('---\n');
}

function injectDeployment(doc: Document, where: string, apiVersion: string, o: InjectOptions): void {
  if (apiVersion !== 'apps/v1') throw new InjectError(`${where} uses apiVersion ${apiVersion}; only apps/v1 is served since Kubernetes 1.16`);
  const name = doc.getIn(['metadata', 'name']);
  if (typeof name !== 'string' || name === '') throw new InjectError(`${where} has no metadata.name`);
  const podSpec = doc.getIn(['spec', 'template', 'spec']);
  if (!isMap(podSpec)) throw new InjectError(`${where} ${name} has no spec.template.spec`);
  const containers = podSpec.get('containers');
  if (!isSeq(containers) || containers.items.length === 0) throw new InjectError(`${where} ${name} has no containers`);
  const existing = containers.items.map((c, i) => {
    if (!isMap(c) || typeof c.get('name') !== 'string') throw new InjectError(`${where} ${name}: container ${i + 1} has no name`);
    return c;
  });
  const inits = podSpec.get('initContainers');
  const initNames = isSeq(inits) ? inits.items.map((c) => (isMap(c) ? c.get('name') : undefined)) : [];
  if (existing.some((c) => c.get('name') === SIDECAR_NAME) || initNames.includes(SIDECAR_NAME)) return;

  const cluster = o.cluster ?? name;
  if (!DNS_LABEL.test(cluster) || cluster.length > 63) throw new InjectError(`${where} ${name}: cluster name ${JSON.stringify(cluster)} is not a DNS-1123 label`);
  const sipPort = o.sipPort ?? firstPort(existing[0]) ?? 5060;
  const native = o.native ?? true;
  const sidecar = { ...o, cluster, sipPort, native };

  // Each container gets SIGTERM only after its own preStop returns, so the SIP
  // server must wait for the drain too. An existing preStop is kept (hooks cannot be chained).
  for (const c of existing) {
    if (!c.hasIn(['lifecycle', 'preStop'])) c.setIn(['lifecycle', 'preStop'], doc.createNode(drainPreStop(o.httpPort).preStop));
  }
  if (native) {
    // Last among the init containers: the pod's own ones run as before, then the sidecar, whose
    // startupProbe holds the app containers until it is up and any peer file is written.
    const seq = isSeq(inits) ? inits : doc.createNode([]);
    if (seq !== inits) podSpec.set('initContainers', seq);
    seq.add(doc.createNode(sidecarContainer(sidecar)));
  } else {
    containers.add(doc.createNode(sidecarContainer(sidecar)));
  }
  addVolumes(doc, podSpec, sidecarVolumes(sidecar));
  const account = podSpec.get('serviceAccountName');
  if (account === undefined || account === 'default') podSpec.set('serviceAccountName', o.serviceAccount);
  const grace = podSpec.get('terminationGracePeriodSeconds');
  const current = typeof grace === 'number' ? grace : DEFAULT_GRACE_SECONDS;
  podSpec.set('terminationGracePeriodSeconds', Math.max(current, terminationGraceSeconds(o)));
  doc.setIn(['spec', 'template', 'metadata', 'labels', SIDECAR_LABEL], 'true');
}

function firstPort(container: YAMLMap | undefined): number | undefined {
  const ports = container?.get('ports');
  const first = isSeq(ports) ? ports.items[0] : undefined;
  const port = isMap(first) ? first.get('containerPort') : undefined;
  return typeof port === 'number' ? port : undefined;
}

function addVolumes(doc: Document, podSpec: YAMLMap, volumes: Record<string, unknown>[]): void {
  const found = podSpec.get('volumes');
  const seq = isSeq(found) ? found : doc.createNode([]);
  if (seq !== found) podSpec.set('volumes', seq);
  const names = new Set(seq.items.map((v) => (isMap(v) ? v.get('name') : undefined)));
  for (const volume of volumes) if (!names.has(volume.name)) seq.add(doc.createNode(volume));
}
