import type { KubeObject } from './objects.js';
import type { FieldError } from './status.js';

/** Everything the server needs to know about one resource in one group/version. */
export interface ResourceDef {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly singular: string;
  readonly kind: string;
  readonly namespaced: boolean;
  readonly shortNames?: readonly string[];
  readonly categories?: readonly string[];
  readonly verbs: readonly string[];
  readonly subresources: { readonly status?: boolean; readonly scale?: boolean; readonly binding?: boolean };
  /** metadata.generation starts at 1 and moves on spec changes (status writes never move it). */
  readonly tracksGeneration: boolean;
  /** Field-selector labels beyond metadata.name and metadata.namespace. */
  readonly fieldLabels: readonly string[];
  /** Built-in kinds accept strategic merge patch; custom resources answer 415 to it. */
  readonly strategicMerge: boolean;
  /** A decode error (400 BadRequest), such as a MicroTime without six fractional digits. */
  readonly decodeError?: (obj: KubeObject) => string | undefined;
  /** Fills in server-side defaults, mutating `obj`. */
  readonly applyDefaults?: (obj: KubeObject) => void;
  /** Field errors for a create (`old` undefined) or an update. */
  readonly validate?: (obj: KubeObject, old: KubeObject | undefined) => FieldError[];
  /** Resets server-owned parts on create (e.g. a new Pod's status is Pending). */
  readonly prepareCreate?: (obj: KubeObject) => void;
  /** Stored under another group's resource (events.k8s.io Events live with core Events), converted on the way in and out. */
  readonly storage?: { readonly group: string; readonly toStorage: (obj: KubeObject) => KubeObject; readonly fromStorage: (obj: KubeObject) => KubeObject };
  /** Printer columns of a CRD, for Table responses. */
  readonly printerColumns?: readonly PrinterColumn[];
}

export interface PrinterColumn {
  readonly name: string;
  readonly type: string;
  readonly jsonPath: string;
}

export const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] as const;

export function groupVersion(def: { group: string; version: string }): string {
  return def.group === '' ? def.version : `${def.group}/${def.version}`;
}

/** The storage key ignores the version: one object, served under every version of its group (conversion "None"). */
export function storageKey(def: { group: string; plural: string; storage?: { group: string } }): string {
  return `${def.storage?.group ?? def.group}/${def.plural}`;
}

/** The object as this resource serves it: converted from storage if needed, with this group-version. */
export function present(def: ResourceDef, stored: KubeObject): KubeObject {
  const obj = def.storage ? def.storage.fromStorage(stored) : stored;
  return { ...obj, apiVersion: groupVersion(def) };
}

/** The object as it is stored. */
export function toStored(def: ResourceDef, obj: KubeObject): KubeObject {
  return def.storage ? def.storage.toStorage(obj) : obj;
}

/**
 * The resources the server serves right now. Built-ins are fixed; CRDs add
 * and remove entries at run time, which is why discovery reads from here.
 */
export class ResourceRegistry {
  #defs = new Map<string, ResourceDef>();

  add(def: ResourceDef): void {
    this.#defs.set(`${groupVersion(def)}/${def.plural}`, def);
  }

  remove(group: string, plural: string): void {
    for (const [key, def] of this.#defs) if (def.group === group && def.plural === plural) this.#defs.delete(key);
  }

  find(group: string, version: string, plural: string): ResourceDef | undefined {
    return this.#defs.get(`${groupVersion({ group, version })}/${plural}`);
  }

  /** Any served version of a resource, for controllers that only care about the stored object. */
  anyVersion(group: string, plural: string): ResourceDef | undefined {
    for (const def of this.#defs.values()) if (def.group === group && def.plural === plural) return def;
    return undefined;
  }

  all(): ResourceDef[] {
    return [...this.#defs.values()];
  }

  inGroupVersion(group: string, version: string): ResourceDef[] {
    return this.all().filter((d) => d.group === group && d.version === version);
  }

  /** Non-core groups with their versions, in registration order. */
  groups(): Map<string, string[]> {
    const groups = new Map<string, string[]>();
    for (const def of this.#defs.values()) {
      if (def.group === '') continue;
      const versions = groups.get(def.group) ?? [];
      if (!versions.includes(def.version)) versions.push(def.version);
      groups.set(def.group, versions);
    }
    return groups;
  }
}
