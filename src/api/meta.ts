import { z } from "zod";

export const GROUP = "openstacklab.io";
export const VERSION = "v1alpha1";
export const API_VERSION = `${GROUP}/${VERSION}`;

/** A DNS-1123 label: the names Kubernetes accepts for most objects. */
export const dns1123Name = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "must be a DNS-1123 label (lowercase letters, digits, '-')");

export const objectMeta = z.object({
  name: dns1123Name,
  namespace: dns1123Name.default("default"),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  generation: z.number().int().nonnegative().optional(),
  resourceVersion: z.string().optional(),
  uid: z.string().optional(),
  finalizers: z.array(z.string()).optional(),
  deletionTimestamp: z.string().optional(),
  creationTimestamp: z.string().optional(),
});
export type ObjectMeta = z.infer<typeof objectMeta>;

/** A reference to another object of this API in the same namespace. */
export const localRef = z.object({ name: dns1123Name });
export type LocalRef = z.infer<typeof localRef>;

/** A reference to a Secret key (Kubernetes mode) or a file (file mode). */
export const secretRef = z
  .object({
    secretName: dns1123Name.optional().describe("Kubernetes Secret holding the value (Kubernetes mode)."),
    key: z.string().min(1).default("value").describe("Key inside the Secret."),
    file: z.string().min(1).optional().describe("Path of a file holding the value (file mode)."),
  })
  .describe("Where a secret value comes from; never the value itself.");
export type SecretRef = z.infer<typeof secretRef>;

export const driftPolicy = z.enum(["repair", "detect", "ignore"]).default("repair");
export const deletionPolicy = z.enum(["Delete", "Orphan"]).default("Delete");

/** The key the runtime queues: kind, namespace and name. */
export interface ObjectKey {
  kind: Kind;
  namespace: string;
  name: string;
}

export const KINDS = ["LabManager", "LibvirtNetwork", "TripleOUndercloud"] as const;
export type Kind = (typeof KINDS)[number];

export function keyString(key: ObjectKey): string {
  return `${key.kind}/${key.namespace}/${key.name}`;
}
