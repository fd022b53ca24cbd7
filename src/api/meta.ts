import { z } from "zod";

export * from "./names.js";

/** A DNS-1123 label: the names Kubernetes accepts for most objects. */
export const dns1123Name = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "must be a DNS-1123 label (lowercase letters, digits, '-')");

export const objectMeta = z
  .object({
    name: dns1123Name.describe(
      "Object name (lowercase letters, digits and '-', at most 63); other objects refer to it by this name.",
    ),
    namespace: dns1123Name
      .default("default")
      .describe("Namespace of the object; default `default`. References resolve within it."),
    labels: z
      .record(z.string(), z.string())
      .optional()
      .describe("Key/value labels for selecting objects; the operator does not read them."),
    annotations: z
      .record(z.string(), z.string())
      .optional()
      .describe("Free-form key/value notes; the operator does not read them."),
    generation: z
      .number()
      .int()
      .nonnegative()
      .optional()
      .describe("Set by the API server (labctl in file mode) on every spec change; do not write it."),
    resourceVersion: z
      .string()
      .optional()
      .describe("Set by the API server for optimistic concurrency; do not write it."),
    uid: z.string().optional().describe("Set by the API server; unique for the object's lifetime."),
    finalizers: z
      .array(z.string())
      .optional()
      .describe(
        "The operator adds openstacklab.io/cleanup before its first remote change and removes it after cleanup.",
      ),
    deletionTimestamp: z
      .string()
      .optional()
      .describe(
        "Set by the API server when deletion was asked for; cleanup runs until the finalizer is gone.",
      ),
    creationTimestamp: z
      .string()
      .optional()
      .describe("Set by the API server when the object was created (RFC 3339)."),
  })
  .describe("Standard object metadata: metadata.name and metadata.namespace identify the object.");
export type ObjectMeta = z.infer<typeof objectMeta>;

/** A reference to another object of this API in the same namespace. */
export const localRef = z.object({
  name: dns1123Name.describe("metadata.name of the referenced object, in this object's namespace."),
});
export type LocalRef = z.infer<typeof localRef>;

/** A reference to a Secret key (Kubernetes mode) or a file (file mode). */
export const secretRef = z
  .object({
    secretName: dns1123Name
      .optional()
      .describe("Kubernetes mode: the Secret in the object's namespace that holds the value."),
    key: z.string().min(1).default("value").describe("Key inside the Secret; default `value`."),
    file: z
      .string()
      .min(1)
      .optional()
      .describe("File mode: a file holding the value, absolute or relative to the directory labctl runs in."),
  })
  .describe("Where a secret value comes from; never the value itself.");
export type SecretRef = z.infer<typeof secretRef>;

export const driftPolicy = z
  .enum(["repair", "detect", "ignore"])
  .default("repair")
  .describe(
    "When the host changes while the spec did not: repair (default) puts it back, detect only reports it (DriftDetected condition and event), ignore does neither.",
  );
export const deletionPolicy = z
  .enum(["Delete", "Orphan"])
  .default("Delete")
  .describe(
    "Delete (default): deleting the object removes from the host only what it created; Orphan: leaves everything in place.",
  );

export const suspend = z
  .boolean()
  .default(false)
  .describe(
    "Stop reconciling this object, drift repair included, until false again (Suspended condition); deletion still cleans up.",
  );

/** A reconcile request: set to any new value (a timestamp), the object is reconciled at once (Flux's requestedAt). */
export const RECONCILE_REQUESTED_AT = "openstacklab.io/reconcile-requested-at";

/** Where a desired object was read from, for error messages and `labctl describe`. */
export interface Origin {
  file?: string;
  document?: number;
}
