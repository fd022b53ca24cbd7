import type { z } from "zod";
import { labManager, type LabManager } from "./labmanager.js";
import { libvirtNetwork, type LibvirtNetwork } from "./libvirtnetwork.js";
import { tripleoUndercloud, type TripleOUndercloud } from "./tripleoundercloud.js";
import { overcloudNodeSet, type OvercloudNodeSet } from "./overcloudnodeset.js";
import type { ApiKind, ObjectMeta, PreviewKind } from "./meta.js";

export type LabObject = LabManager | LibvirtNetwork | TripleOUndercloud | OvercloudNodeSet;

/** An object of a kind the runtime does not reconcile yet (PREVIEW_KINDS): validated only. */
export interface PreviewObject {
  apiVersion: string;
  kind: PreviewKind;
  metadata: ObjectMeta;
}

/** A kubectl column: shown by `kubectl get` after NAME. */
export interface PrinterColumn {
  name: string;
  type: "string" | "integer" | "boolean" | "date";
  jsonPath: string;
  priority?: number;
}

export interface KindInfo {
  schema: z.ZodType;
  plural: string;
  shortNames: string[];
  /** Kind-specific printer columns; READY, REASON and AGE are added to every kind. */
  columns: PrinterColumn[];
}

/** The schema of each kind, with the names Kubernetes needs. */
export const KIND_INFO: Record<ApiKind, KindInfo> = {
  LabManager: {
    schema: labManager,
    plural: "labmanagers",
    shortNames: ["lm"],
    columns: [{ name: "ADDRESS", type: "string", jsonPath: ".spec.address" }],
  },
  LibvirtNetwork: {
    schema: libvirtNetwork,
    plural: "libvirtnetworks",
    shortNames: ["lvnet"],
    columns: [
      { name: "MANAGER", type: "string", jsonPath: ".spec.managerRef.name" },
      { name: "MODE", type: "string", jsonPath: ".spec.mode" },
    ],
  },
  TripleOUndercloud: {
    schema: tripleoUndercloud,
    plural: "tripleounderclouds",
    shortNames: ["uc"],
    columns: [
      { name: "MANAGER", type: "string", jsonPath: ".spec.managerRef.name" },
      { name: "IP", type: "string", jsonPath: ".status.ipAddress" },
    ],
  },
  OvercloudNodeSet: {
    schema: overcloudNodeSet,
    plural: "overcloudnodesets",
    shortNames: ["ocn"],
    columns: [
      { name: "MANAGER", type: "string", jsonPath: ".spec.managerRef.name" },
      { name: "BMC", type: "string", jsonPath: ".spec.bmc.type" },
    ],
  },
};

/** Every kind of this API belongs to this kubectl category (`kubectl get openstacklab`). */
export const CATEGORY = "openstacklab";
