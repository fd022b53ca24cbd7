import { z } from "zod";

/** The shape of Kubernetes metav1.Condition. */
export const condition = z.object({
  type: z.string().min(1).max(316),
  status: z.enum(["True", "False", "Unknown"]),
  reason: z.string().min(1).max(1024),
  message: z.string().max(32768).default(""),
  lastTransitionTime: z.string(),
  observedGeneration: z.number().int().nonnegative().optional(),
});
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
  observedGeneration: z.number().int().nonnegative().optional(),
  // One condition per type: a list-map lets server-side apply merge conditions by type.
  conditions: z
    .array(condition)
    .optional()
    .meta({ "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type"] }),
});
