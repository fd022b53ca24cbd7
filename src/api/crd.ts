import { CATEGORY, KIND_INFO, type KindInfo } from "./kinds.js";
import { kindJsonSchema, mapNode, type SchemaNode } from "./jsonschema.js";
import { GROUP, VERSION, type ApiKind } from "./meta.js";

/** JSON Schema keywords the Kubernetes API server does not accept in a CRD's openAPIV3Schema. */
const UNSUPPORTED_KEYWORDS = ["$schema", "$id", "title", "propertyNames", "const"];

/**
 * Turn a kind's JSON Schema into a structural OpenAPI v3 schema: no $ref, const as a
 * one-value enum, no propertyNames, `additionalProperties: false` dropped (the API server
 * rejects it next to `properties`; it prunes unknown fields anyway), metadata owned by the
 * API server (just `type: object`).
 */
export function structuralSchema(kind: ApiKind, info: KindInfo = KIND_INFO[kind]): SchemaNode {
  const converted = mapNode(kindJsonSchema(kind, info.schema), toOpenApiNode);
  const properties = { ...(converted.properties as Record<string, SchemaNode>) };
  // The API server owns these three. It refuses anything but `type` on metadata (kubectl
  // explain shows ObjectMeta's own text there), so only apiVersion and kind get descriptions.
  properties.apiVersion = { type: "string", description: API_VERSION_DESCRIPTION };
  properties.kind = { type: "string", description: KIND_DESCRIPTION };
  properties.metadata = { type: "object" };
  const required = (converted.required as string[] | undefined)?.filter((p) => p === "spec");
  return { ...converted, properties, required };
}

const API_VERSION_DESCRIPTION =
  "APIVersion defines the versioned schema of this representation of an object; always openstacklab.io/v1alpha1 here.";
const KIND_DESCRIPTION = "Kind is a string value representing the REST resource this object represents.";

/** Fields a CRD may not describe: the API server rejects anything but `type` on metadata. */
export const CRD_UNDESCRIBED = ["metadata"];

function toOpenApiNode(node: SchemaNode): SchemaNode {
  const out: SchemaNode = {};
  for (const [key, value] of Object.entries(node)) {
    if (UNSUPPORTED_KEYWORDS.includes(key)) continue;
    if (key === "additionalProperties" && value === false) continue;
    out[key] = value;
  }
  if ("const" in node) out.enum = [node.const];
  return out;
}

const READY = '.status.conditions[?(@.type=="Ready")]';

/** The CustomResourceDefinition of one kind (apiextensions.k8s.io/v1). */
export function crdFor(kind: ApiKind, info: KindInfo = KIND_INFO[kind]): SchemaNode {
  const columns = [
    ...info.columns,
    { name: "READY", type: "string", jsonPath: `${READY}.status` },
    { name: "REASON", type: "string", jsonPath: `${READY}.reason` },
    { name: "AGE", type: "date", jsonPath: ".metadata.creationTimestamp" },
  ];
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${info.plural}.${GROUP}` },
    spec: {
      group: GROUP,
      scope: "Namespaced",
      names: {
        kind,
        listKind: `${kind}List`,
        plural: info.plural,
        singular: kind.toLowerCase(),
        shortNames: info.shortNames,
        categories: [CATEGORY],
      },
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: columns,
          schema: { openAPIV3Schema: structuralSchema(kind, info) },
        },
      ],
    },
  };
}
