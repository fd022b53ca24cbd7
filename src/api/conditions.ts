import { z } from "zod";

/** The shape of Kubernetes metav1.Condition. */
export const condition = z
  .object({
    type: z
      .string()
      .min(1)
      .max(316)
      .describe(
        "Condition type: Ready, Reconciling, Stalled (kstatus) or a per-aspect type such as Reachable.",
      ),
    status: z.enum(["True", "False", "Unknown"]).describe("True, False or Unknown."),
    reason: z
      .string()
      .min(1)
      .max(1024)
      .describe("PascalCase reason of the last transition, e.g. Converged, Unreachable, HostKeyChanged."),
    message: z
      .string()
      .max(32768)
      .default("")
      .describe("One sentence for a person: what happened and what to do about it."),
    lastTransitionTime: z.string().describe("When status last changed (RFC 3339)."),
    observedGeneration: z
      .number()
      .int()
      .nonnegative()
      .optional()
      .describe("The metadata.generation this condition was computed for."),
  })
  .describe("One observation about the object, in the shape of Kubernetes metav1.Condition.");
export type Condition = z.infer<typeof condition>;

/** kstatus condition types shared by every kind. */
export const ConditionType = {
  Ready: "Ready",
  Reconciling: "Reconciling",
  Stalled: "Stalled",
  Reachable: "Reachable",
} as const;

/** Reasons shared by every kind; kinds add their own next to their schema. */
export const Reason = {
  Converged: "Converged",
  Progressing: "Progressing",
  WaitingForDependency: "WaitingForDependency",
  InvalidSpec: "InvalidSpec",
  Unreachable: "Unreachable",
  HostKeyChanged: "HostKeyChanged",
  CommandFailed: "CommandFailed",
  DriftDetected: "DriftDetected",
  Deleting: "Deleting",
  Conflict: "Conflict",
} as const;

export const baseStatus = z.object({
  observedGeneration: z
    .number()
    .int()
    .nonnegative()
    .optional()
    .describe(
      "The metadata.generation the operator last reconciled; conditions describe the current spec only when it equals metadata.generation.",
    ),
  lastHandledReconcileAt: z
    .string()
    .optional()
    .describe(
      "The last openstacklab.io/reconcile-requested-at value a reconcile handled (`labctl reconcile --wait` waits for it).",
    ),
  // One condition per type: a list-map lets server-side apply merge conditions by type.
  conditions: z
    .array(condition)
    .optional()
    .meta({ "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type"] })
    .describe(
      "kstatus conditions, one per type: wait for Ready=True (`kubectl wait --for=condition=Ready`); Stalled=True needs a person.",
    ),
});

/** The description every kind's status carries. */
export const STATUS_DESCRIPTION =
  "Observed state, written by the operator through the status subresource; never edit it.";

/** The description of every kind's status.phase. */
export const PHASE_DESCRIPTION =
  "Lifecycle phase of the last reconcile (e.g. applying, ready, stalled, deleting), for people: automation should read conditions.";
