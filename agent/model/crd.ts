import { VnfClusterSpec, VnfClusterStatus, VNF_GROUP, VNF_KIND, VNF_PLURAL, VNF_VERSION } from './vnfcluster.js';

type JsonSchema = Record<string, unknown>;

/**
 * Turns a TypeBox schema into a Kubernetes structural schema: maps become
 * `additionalProperties`, `additionalProperties: false` is dropped (the API
 * server prunes unknown fields itself), and `$id`/`format` extras that
 * apiextensions does not accept are left out.
 */
export function toStructural(schema: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === '$id' || key === 'additionalProperties' || key === 'patternProperties' || key === 'required') continue;
    if (key === 'properties') {
      out.properties = Object.fromEntries(Object.entries(value as JsonSchema).map(([k, v]) => [k, toStructural(v as JsonSchema)]));
    } else if (key === 'items') {
      out.items = toStructural(value as JsonSchema);
    } else {
      out[key] = value;
    }
  }
  if (schema.patternProperties) {
    out.additionalProperties = toStructural(Object.values(schema.patternProperties as JsonSchema)[0] as JsonSchema);
  }
  if (schema.enum && !out.type) out.type = typeof (schema.enum as unknown[])[0] === 'number' ? 'number' : 'string';
  if (Array.isArray(schema.required) && schema.required.length > 0) {
    // A property with a default is filled in by the API server, so it need not be required of the user.
    const props = (schema.properties ?? {}) as Record<string, JsonSchema>;
    const required = (schema.required as string[]).filter((k) => props[k]?.default === undefined);
    if (required.length > 0) out.required = required;
  }
  return out;
}

/** The CustomResourceDefinition object, ready to serialize as YAML. */
export function vnfClusterCrd(): JsonSchema {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${VNF_PLURAL}.${VNF_GROUP}` },
    spec: {
      group: VNF_GROUP,
      scope: 'Namespaced',
      names: { plural: VNF_PLURAL, singular: 'vnfcluster', kind: VNF_KIND, listKind: `${VNF_KIND}List`, shortNames: ['vnfc'] },
      versions: [
        {
          name: VNF_VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            { name: 'Leader', type: 'string', jsonPath: '.status.leader' },
            { name: 'Replicas', type: 'integer', jsonPath: '.status.replicas' },
            { name: 'Desired', type: 'integer', jsonPath: '.status.desiredReplicas' },
            { name: 'Load', type: 'string', jsonPath: '.status.load' },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description: 'A cluster of SIP network function pods that manage their own lifecycle through the vnf-agent sidecar.',
              required: ['spec'],
              properties: {
                apiVersion: { type: 'string' },
                kind: { type: 'string' },
                metadata: { type: 'object' },
                spec: toStructural(VnfClusterSpec as unknown as JsonSchema),
                status: toStructural(VnfClusterStatus as unknown as JsonSchema),
              },
            },
          },
        },
      ],
    },
  };
}
