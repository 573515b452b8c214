import { readPath, type KubeObject } from './objects.js';
import { badRequest } from './status.js';

/** One parsed requirement; a selector is the AND of its requirements. */
type LabelRequirement =
  | { readonly op: 'exists' | '!exists'; readonly key: string }
  | { readonly op: '=' | '!='; readonly key: string; readonly value: string }
  | { readonly op: 'in' | 'notin'; readonly key: string; readonly values: readonly string[] }
  | { readonly op: 'gt' | 'lt'; readonly key: string; readonly value: number };

export type Selector = (obj: KubeObject) => boolean;

const KEY = String.raw`[A-Za-z0-9][-A-Za-z0-9_./]*`;
const VALUE = String.raw`[-A-Za-z0-9_.]*`;
const PATTERNS: readonly [RegExp, (m: RegExpMatchArray) => LabelRequirement][] = [
  [new RegExp(`^!\\s*(${KEY})$`), (m) => ({ op: '!exists', key: m[1]! })],
  [new RegExp(`^(${KEY})\\s+(in|notin)\\s*\\(([^)]*)\\)$`), (m) => ({ op: m[2] as 'in' | 'notin', key: m[1]!, values: splitValues(m[3]!) })],
  [new RegExp(`^(${KEY})\\s*(==|=|!=)\\s*(${VALUE})$`), (m) => ({ op: m[2] === '!=' ? '!=' : '=', key: m[1]!, value: m[3]! })],
  [new RegExp(`^(${KEY})\\s*([<>])\\s*(-?\\d+)$`), (m) => ({ op: m[2] === '>' ? 'gt' : 'lt', key: m[1]!, value: Number(m[3]) })],
  [new RegExp(`^(${KEY})$`), (m) => ({ op: 'exists', key: m[1]! })],
];

function splitValues(list: string): string[] {
  return list
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

/** Splits on commas that are not inside `( … )`, as the label selector grammar does. */
function splitTopLevel(selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

function parseRequirement(text: string): LabelRequirement {
  for (const [pattern, build] of PATTERNS) {
    const m = text.match(pattern);
    if (m) return build(m);
  }
  throw badRequest(`unable to parse requirement: found '${text}', expected: valid label selector requirement`);
}

function matchesLabel(req: LabelRequirement, labels: Record<string, string>): boolean {
  const has = Object.hasOwn(labels, req.key);
  const value = labels[req.key];
  switch (req.op) {
    case 'exists':
      return has;
    case '!exists':
      return !has;
    case '=':
      return has && value === req.value;
    case '!=':
      return !has || value !== req.value;
    case 'in':
      return has && req.values.includes(value!);
    case 'notin':
      return !has || !req.values.includes(value!);
    case 'gt':
      return has && Number(value) > req.value;
    case 'lt':
      return has && Number(value) < req.value;
  }
}

/** Parses `labelSelector`; an empty or absent selector matches everything. Bad syntax is a 400. */
export function parseLabelSelector(selector: string | undefined): Selector {
  if (selector === undefined || selector.trim() === '') return () => true;
  const requirements = splitTopLevel(selector).map(parseRequirement);
  return (obj) => requirements.every((r) => matchesLabel(r, obj.metadata.labels ?? {}));
}

/** Turns a LabelSelector object (matchLabels + matchExpressions) into the string form `Scale.status.selector` uses. */
export function labelSelectorString(selector: unknown): string {
  if (typeof selector !== 'object' || selector === null) return '';
  const { matchLabels, matchExpressions } = selector as {
    matchLabels?: Record<string, string>;
    matchExpressions?: { key: string; operator: string; values?: string[] }[];
  };
  const parts = Object.entries(matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of matchExpressions ?? []) {
    const values = [...(e.values ?? [])].sort().join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${values})`);
    if (e.operator === 'NotIn') parts.push(`${e.key} notin (${values})`);
    if (e.operator === 'Exists') parts.push(e.key);
    if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.sort().join(',');
}

/** Parses `fieldSelector` against the labels the resource supports; any other label is a 400 like the real server's. */
export function parseFieldSelector(selector: string | undefined, supported: readonly string[]): Selector {
  if (selector === undefined || selector.trim() === '') return () => true;
  const allowed = new Set(['metadata.name', 'metadata.namespace', ...supported]);
  const terms = selector.split(',').map((term) => {
    const m = term.trim().match(/^([^!=]+?)\s*(==|=|!=)\s*(.*)$/);
    if (!m) throw badRequest(`invalid selector: '${selector}'; can't understand '${term}'`);
    const [, field, op, value] = m as unknown as [string, string, string, string];
    if (!allowed.has(field)) throw badRequest(`field label not supported: ${field}`);
    return { field, negate: op === '!=', value };
  });
  return (obj) =>
    terms.every(({ field, negate, value }) => {
      const actual = readPath(obj, field);
      const text = typeof actual === 'string' ? actual : actual === undefined || actual === null ? '' : JSON.stringify(actual);
      return (text === value) !== negate;
    });
}
