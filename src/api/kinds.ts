import type { z } from "zod";
import { labManager, type LabManager } from "./labmanager.js";
import { libvirtNetwork, type LibvirtNetwork } from "./libvirtnetwork.js";
import { tripleoUndercloud, type TripleOUndercloud } from "./tripleoundercloud.js";
import type { Kind } from "./meta.js";

export type LabObject = LabManager | LibvirtNetwork | TripleOUndercloud;

/** The schema of each kind, with the names Kubernetes needs. */
export const KIND_INFO: Record<
  Kind,
  { schema: z.ZodType; plural: string; shortNames: string[] }
> = {
  LabManager: { schema: labManager, plural: "labmanagers", shortNames: ["lm"] },
  LibvirtNetwork: { schema: libvirtNetwork, plural: "libvirtnetworks", shortNames: ["lvnet"] },
  TripleOUndercloud: { schema: tripleoUndercloud, plural: "tripleounderclouds", shortNames: ["uc"] },
};
