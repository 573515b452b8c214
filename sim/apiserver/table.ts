import type { IncomingHttpHeaders } from 'node:http';
import type { KubeObject } from './objects.js';
import type { PrinterColumn, ResourceDef } from './resources.js';

/**
 * Server-side printing (meta.k8s.io/v1 Table), which `kubectl get` asks for
 * with `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`. Served for
 * resources with printer columns (CRDs), like the real server: Name, the
 * CRD's additionalPrinterColumns, Age. Other resources answer plain JSON and
 * kubectl prints them itself.
 */
export function wantsTable(def: ResourceDef, headers: IncomingHttpHeaders): boolean {
  if (!def.printerColumns) return false;
  const accept = headers.accept ?? '';
  return accept.split(',').some((media) => /(^|;)\s*as=Table\s*(;|$)/.test(media) && /(^|;)\s*g=meta\.k8s\.io\s*(;|$)/.test(media));
}

interface Column {
  readonly name: string;
  readonly type: string;
  readonly format: string;
  readonly description: string;
  readonly priority: number;
}

const NAME: Column = { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0 };
const AGE: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

/** Name, then the CRD's columns (or Age when it names none), with dates as ages like the real server's "5m". */
export function asTable(def: ResourceDef, objects: readonly KubeObject[], resourceVersion: string, includeObject: string | null, nowMs: number): Record<string, unknown> {
  const custom = def.printerColumns && def.printerColumns.length > 0 ? def.printerColumns : [AGE];
  const columns: Column[] = [
    NAME,
    ...custom.map((c) => ({ name: c.name, type: c.type, format: '', description: `Custom resource definition column (in JSONPath format): ${c.jsonPath}`, priority: 0 })),
  ];
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: columns,
    rows: objects.map((o) => ({
      cells: [o.metadata.name ?? '', ...custom.map((c) => cell(o, c, nowMs))],
      object: includeObject === 'Object' ? o : includeObject === 'None' ? null : partial(o),
    })),
  };
}

function partial(o: KubeObject): Record<string, unknown> {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
}

/** The simple JSONPaths CRDs use (`.status.leader`, `.spec.replicas`); a missing value is a null cell, printed blank. */
function cell(o: KubeObject, column: PrinterColumn, nowMs: number): unknown {
  let value: unknown = o;
  for (const part of column.jsonPath.replace(/^\./, '').split('.')) {
    if (typeof value !== 'object' || value === null) return null;
    value = (value as Record<string, unknown>)[part];
  }
  if (value === undefined || value === null) return null;
  if (column.type === 'date' && typeof value === 'string') return humanDuration(nowMs - Date.parse(value));
  return typeof value === 'object' ? JSON.stringify(value) : value;
}

/** apimachinery's duration.HumanDuration, which the real server uses for date columns. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  const pair = (a: number, unitA: string, b: number, unitB: string) => (b === 0 ? `${a}${unitA}` : `${a}${unitA}${b}${unitB}`);
  if (minutes < 10) return pair(minutes, 'm', seconds % 60, 's');
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return pair(hours, 'h', minutes % 60, 'm');
  if (hours < 48) return `${hours}h`;
  const days = Math.floor(hours / 24);
  if (hours < 24 * 8) return pair(days, 'd', hours % 24, 'h');
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.floor(days / 365);
  if (hours < 24 * 365 * 8) return pair(years, 'y', days % 365, 'd');
  return `${years}y`;
}
