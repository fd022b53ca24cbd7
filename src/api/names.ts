/**
 * The API's names (group, version, kinds) without its schemas: what a CLI command that only
 * names objects needs, without loading zod (labctl version, get, describe start fast).
 */
export const GROUP = "openstacklab.io";
export const VERSION = "v1alpha1";
export const API_VERSION = `${GROUP}/${VERSION}`;

/** The key the runtime queues: kind, namespace and name. */
export interface ObjectKey {
  kind: Kind;
  namespace: string;
  name: string;
}

/** The kinds the runtime reconciles. */
export const KINDS = ["LabManager", "LibvirtNetwork", "TripleOUndercloud", "OvercloudNodeSet"] as const;
export type Kind = (typeof KINDS)[number];

/**
 * Kinds of the API whose controller is not registered in the runtime yet: their schema,
 * CRD, JSON Schema and cross-object validation exist, nothing reconciles them. Registering
 * one moves it into KINDS (as OvercloudNodeSet was, issue 18). None today.
 */
export const PREVIEW_KINDS = [] as const;
export type PreviewKind = (typeof PREVIEW_KINDS)[number];

/** Every kind of the API: what CRDs, schemas and `labctl validate` cover. */
export const API_KINDS = [...KINDS, ...PREVIEW_KINDS] as const;
export type ApiKind = (typeof API_KINDS)[number];

export function keyString(key: ObjectKey): string {
  return `${key.kind}/${key.namespace}/${key.name}`;
}
