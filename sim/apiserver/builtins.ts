import { modernEventToStorage, storageToModernEvent } from './events-conversion.js';
import { establishedStatus, validateCrd } from './crds.js';
import { defaultDeployment, defaultNamespace, defaultPod, defaultReplicaSet } from './defaults.js';
import type { KubeObject } from './objects.js';
import { ALL_VERBS, type ResourceDef } from './resources.js';
import { microTimeDecodeError, validateDeployment, validateLease, validatePod } from './validation.js';

type Base = Omit<ResourceDef, 'verbs' | 'subresources' | 'tracksGeneration' | 'fieldLabels' | 'strategicMerge'> &
  Partial<Pick<ResourceDef, 'verbs' | 'subresources' | 'tracksGeneration' | 'fieldLabels'>>;

function builtin(def: Base): ResourceDef {
  return { verbs: ALL_VERBS, subresources: {}, tracksGeneration: false, fieldLabels: [], strategicMerge: true, ...def };
}

const EVENT_FIELDS = [
  'involvedObject.kind',
  'involvedObject.namespace',
  'involvedObject.name',
  'involvedObject.uid',
  'involvedObject.apiVersion',
  'involvedObject.resourceVersion',
  'involvedObject.fieldPath',
  'reason',
  'reportingComponent',
  'source',
  'type',
];

function resetStatus(status: unknown): (obj: KubeObject) => void {
  return (obj) => {
    obj.status = structuredClone(status);
  };
}

/** The built-in resources vnf-agent, kubectl and the playground use. */
export function builtinResources(): ResourceDef[] {
  return [
    builtin({
      group: '',
      version: 'v1',
      plural: 'namespaces',
      singular: 'namespace',
      kind: 'Namespace',
      namespaced: false,
      shortNames: ['ns'],
      verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
      subresources: { status: true },
      fieldLabels: ['status.phase'],
      applyDefaults: defaultNamespace,
      prepareCreate: resetStatus({ phase: 'Active' }),
    }),
    builtin({
      group: '',
      version: 'v1',
      plural: 'nodes',
      singular: 'node',
      kind: 'Node',
      namespaced: false,
      shortNames: ['no'],
      subresources: { status: true },
      fieldLabels: ['spec.unschedulable'],
    }),
    builtin({
      group: '',
      version: 'v1',
      plural: 'pods',
      singular: 'pod',
      kind: 'Pod',
      namespaced: true,
      shortNames: ['po'],
      categories: ['all'],
      subresources: { status: true, binding: true },
      // Pods carry metadata.generation since Kubernetes 1.34 (PodObservedGenerationTracking).
      tracksGeneration: true,
      fieldLabels: [
        'spec.nodeName',
        'spec.restartPolicy',
        'spec.schedulerName',
        'spec.serviceAccountName',
        'spec.hostNetwork',
        'status.phase',
        'status.podIP',
        'status.nominatedNodeName',
      ],
      applyDefaults: defaultPod,
      validate: validatePod,
      prepareCreate: resetStatus({ phase: 'Pending', qosClass: 'BestEffort' }),
    }),
    builtin({
      group: '',
      version: 'v1',
      plural: 'events',
      singular: 'event',
      kind: 'Event',
      namespaced: true,
      shortNames: ['ev'],
      fieldLabels: EVENT_FIELDS,
      decodeError: (obj) => microTimeDecodeError(obj, ['eventTime', 'series.lastObservedTime']),
    }),
    builtin({
      group: 'events.k8s.io',
      version: 'v1',
      plural: 'events',
      singular: 'event',
      kind: 'Event',
      namespaced: true,
      shortNames: ['ev'],
      fieldLabels: ['regarding.kind', 'regarding.name', 'regarding.namespace', 'reason', 'type', 'reportingController'],
      storage: { group: '', toStorage: modernEventToStorage, fromStorage: storageToModernEvent },
      decodeError: (obj) => microTimeDecodeError(obj, ['eventTime', 'series.lastObservedTime']),
    }),
    builtin({
      group: 'coordination.k8s.io',
      version: 'v1',
      plural: 'leases',
      singular: 'lease',
      kind: 'Lease',
      namespaced: true,
      decodeError: (obj) => microTimeDecodeError(obj, ['spec.acquireTime', 'spec.renewTime']),
      validate: validateLease,
    }),
    builtin({
      group: 'apps',
      version: 'v1',
      plural: 'deployments',
      singular: 'deployment',
      kind: 'Deployment',
      namespaced: true,
      shortNames: ['deploy'],
      categories: ['all'],
      subresources: { status: true, scale: true },
      tracksGeneration: true,
      applyDefaults: defaultDeployment,
      validate: validateDeployment,
      prepareCreate: resetStatus({}),
    }),
    builtin({
      group: 'apps',
      version: 'v1',
      plural: 'replicasets',
      singular: 'replicaset',
      kind: 'ReplicaSet',
      namespaced: true,
      shortNames: ['rs'],
      categories: ['all'],
      subresources: { status: true, scale: true },
      tracksGeneration: true,
      fieldLabels: ['status.replicas'],
      applyDefaults: defaultReplicaSet,
      prepareCreate: resetStatus({ replicas: 0 }),
    }),
    builtin({
      group: 'apiextensions.k8s.io',
      version: 'v1',
      plural: 'customresourcedefinitions',
      singular: 'customresourcedefinition',
      kind: 'CustomResourceDefinition',
      namespaced: false,
      shortNames: ['crd', 'crds'],
      subresources: { status: true },
      tracksGeneration: true,
      validate: validateCrd,
      prepareCreate: (crd) => {
        crd.status = establishedStatus(crd, crd.metadata.creationTimestamp ?? '');
      },
    }),
  ];
}
