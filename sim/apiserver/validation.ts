import { isObject, readPath, type KubeObject } from './objects.js';
import { labelSelectorString, parseLabelSelector } from './selectors.js';
import { DELETION_COST_ANNOTATION } from '../../agent/scaling/pod-marks.js';
import type { FieldError } from './status.js';

const MICRO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}(Z|[+-]\d{2}:\d{2})$/;
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function invalidValue(field: string, value: unknown, detail: string): FieldError {
  return { field, type: 'FieldValueInvalid', value, detail };
}

function required(field: string, detail = ''): FieldError {
  return { field, type: 'FieldValueRequired', detail };
}

/** Object names: DNS-1123 subdomains, except namespaces which are DNS-1123 labels. */
export function validateName(name: string, asLabel: boolean): FieldError[] {
  if (asLabel && (name.length > 63 || !LABEL.test(name))) {
    return [
      invalidValue(
        'metadata.name',
        name,
        `a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
      ),
    ];
  }
  if (name.length > 253 || !SUBDOMAIN.test(name)) {
    return [
      invalidValue(
        'metadata.name',
        name,
        `a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
      ),
    ];
  }
  return [];
}

/**
 * MicroTime must have exactly six fractional digits: the real server decodes
 * with Go's layout 2006-01-02T15:04:05.000000Z07:00 and rejects anything else
 * with 400 before validation runs. Returns the decode error, if any.
 */
export function microTimeDecodeError(obj: KubeObject, fields: readonly string[]): string | undefined {
  for (const field of fields) {
    const value = readPath(obj, field);
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string' || !MICRO_TIME.test(value)) {
      const text = typeof value === 'string' ? value : JSON.stringify(value);
      const rest = typeof value === 'string' ? value.slice(19) : text;
      return `${obj.kind} in version "${obj.apiVersion.split('/').pop()}" cannot be handled as a ${obj.kind}: parsing time "${text}" as "2006-01-02T15:04:05.000000Z07:00": cannot parse "${rest}" as ".000000"`;
    }
  }
  return undefined;
}

export function validateLease(lease: KubeObject): FieldError[] {
  const errors: FieldError[] = [];
  const spec = isObject(lease.spec) ? lease.spec : {};
  const duration = spec.leaseDurationSeconds;
  if (duration !== undefined && duration !== null && (typeof duration !== 'number' || duration <= 0)) {
    errors.push(invalidValue('spec.leaseDurationSeconds', duration, 'must be greater than 0'));
  }
  const transitions = spec.leaseTransitions;
  if (transitions !== undefined && transitions !== null && (typeof transitions !== 'number' || transitions < 0)) {
    errors.push(invalidValue('spec.leaseTransitions', transitions, 'must be greater than or equal to 0'));
  }
  if (spec.preferredHolder && !spec.strategy) errors.push(required('spec.strategy', 'must be specified when preferredHolder is set'));
  return errors;
}

/** The deletion-cost annotation must be an int32 in canonical decimal form ("+1" and "007" are rejected). */
export function deletionCostError(annotations: Record<string, string> | undefined): FieldError | undefined {
  const value = annotations?.[DELETION_COST_ANNOTATION];
  if (value === undefined) return undefined;
  const n = Number(value);
  const canonical = /^(0|-\d+|[1-9]\d*)$/.test(value);
  if (canonical && Number.isInteger(n) && n >= -2147483648 && n <= 2147483647) return undefined;
  return invalidValue(`metadata.annotations[${DELETION_COST_ANNOTATION}]`, value, 'must be a 32bit integer');
}

function validateContainers(spec: unknown, path: string): FieldError[] {
  const containers = readPath(spec, 'containers');
  if (!Array.isArray(containers) || containers.length === 0) return [required(`${path}.containers`)];
  const errors: FieldError[] = [];
  containers.forEach((c, i) => {
    if (!isObject(c) || typeof c.name !== 'string' || c.name === '') errors.push(required(`${path}.containers[${i}].name`));
    if (!isObject(c) || typeof c.image !== 'string' || c.image === '') errors.push(required(`${path}.containers[${i}].image`));
  });
  return errors;
}

export function validatePod(pod: KubeObject, old: KubeObject | undefined): FieldError[] {
  const errors = validateContainers(pod.spec, 'spec');
  const costError = deletionCostError(pod.metadata.annotations);
  // Like the real server, an update may keep a bad cost that was already stored.
  const alreadyBad = old !== undefined && deletionCostError(old.metadata.annotations) !== undefined;
  if (costError && !alreadyBad) errors.push(costError);
  return errors;
}

export function validateDeployment(deploy: KubeObject, old: KubeObject | undefined): FieldError[] {
  const errors: FieldError[] = [];
  const replicas = readPath(deploy, 'spec.replicas');
  if (typeof replicas === 'number' && replicas < 0) errors.push(invalidValue('spec.replicas', replicas, 'must be greater than or equal to 0'));
  const selector = readPath(deploy, 'spec.selector');
  if (!isObject(selector) || labelSelectorString(selector) === '') {
    errors.push(required('spec.selector'));
  } else {
    const templateLabels = readPath(deploy, 'spec.template.metadata.labels');
    const fake = { apiVersion: 'v1', kind: 'Pod', metadata: { labels: isObject(templateLabels) ? (templateLabels as Record<string, string>) : {} } };
    if (!parseLabelSelector(labelSelectorString(selector))(fake)) {
      errors.push(invalidValue('spec.template.metadata.labels', templateLabels ?? {}, '`selector` does not match template `labels`'));
    }
    const oldSelector = old ? readPath(old, 'spec.selector') : undefined;
    if (old && labelSelectorString(oldSelector) !== labelSelectorString(selector)) {
      errors.push(invalidValue('spec.selector', selector, 'field is immutable'));
    }
  }
  errors.push(...validateContainers(readPath(deploy, 'spec.template.spec'), 'spec.template.spec'));
  return errors;
}

export function validateScaleReplicas(replicas: unknown): FieldError[] {
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
    return [invalidValue('spec.replicas', replicas, 'must be greater than or equal to 0')];
  }
  return [];
}
