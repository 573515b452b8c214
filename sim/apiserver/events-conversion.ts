import type { KubeObject } from './objects.js';

/**
 * core/v1 Event <-> events.k8s.io/v1 Event. The real server stores one Event
 * and serves it in both shapes, so an Event recorded through events.k8s.io
 * lists through core/v1 with involvedObject and message; the field pairs below
 * are the ones its conversion functions map.
 */
const RENAMES: readonly (readonly [core: string, modern: string])[] = [
  ['involvedObject', 'regarding'],
  ['message', 'note'],
  ['source', 'deprecatedSource'],
  ['firstTimestamp', 'deprecatedFirstTimestamp'],
  ['lastTimestamp', 'deprecatedLastTimestamp'],
  ['count', 'deprecatedCount'],
  ['reportingComponent', 'reportingController'],
];

function rename(obj: KubeObject, pairs: readonly (readonly [string, string])[]): KubeObject {
  const out: KubeObject = { ...obj };
  for (const [from, to] of pairs) {
    if (out[from] === undefined) continue;
    out[to] = out[from];
    delete out[from];
  }
  return out;
}

/** events.k8s.io/v1 shape -> the stored core/v1 shape. */
export function modernEventToStorage(event: KubeObject): KubeObject {
  return { ...rename(event, RENAMES.map(([core, modern]) => [modern, core] as const)), apiVersion: 'v1' };
}

/** The stored core/v1 shape -> events.k8s.io/v1. */
export function storageToModernEvent(event: KubeObject): KubeObject {
  return { ...rename(event, RENAMES), apiVersion: 'events.k8s.io/v1' };
}
