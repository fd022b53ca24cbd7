import type { Logger } from "../log.js";
import type { RemoteHost } from "../remote/types.js";
import { Refused } from "../util/errors.js";

/** What a step needs to act: the host, a logger, cancellation and a progress sink. */
export interface StepContext {
  host: RemoteHost;
  log: Logger;
  signal?: AbortSignal;
  /** Receives human-readable progress lines of long steps (package installs). */
  onProgress?(line: string): void;
}

/** Something applying a step creates; recorded before apply so cleanup removes only what we made. */
export type OwnedResource = {
  kind:
    | "bridge"
    | "user"
    | "vbmcd"
    | "sudoers"
    | "package-set"
    | "file"
    | "firewall-port"
    | "libvirt-default-network"
    | "openstack-clients";
  name: string;
};

/**
 * A spec field as the host has it and as the spec wants it, for `labctl diff`: "the host has
 * STP off, the spec wants on". Values are short human text; never a secret.
 */
export interface HostField {
  /** The field's path in the object, as `labctl diff` prints spec paths: spec.bridges[0].stp. */
  path: string;
  host: string;
  wanted: string;
}

/** One idempotent unit of host work, produced by a pure plan function. */
export interface Step {
  /** Stable identifier, e.g. "packages", "bridge/public", "user/manager". */
  id: string;
  /** One sentence for plan output and logs. */
  description: string;
  /** Set when applying this step creates something that did not exist before. */
  owns?: OwnedResource;
  /** Set when this step removes something we created: dropped from the record once it succeeded. */
  releases?: OwnedResource;
  /** Set when the step repairs drift of something converged before ("libvirtd stopped"). */
  drift?: string;
  /**
   * Work that waited for another object, not for a change on the host (the nodes' handoff
   * once the undercloud is Ready): never drift, even when the spec did not change.
   */
  awaited?: boolean;
  /** The spec fields this step brings the host to, with what the host has now. */
  fields?: HostField[];
  /** Idempotent: safe to re-run after a crash midway. */
  apply(ctx: StepContext): Promise<void>;
}

/**
 * The plan refuses to continue without a person deciding (e.g. moving the NIC that carries
 * the SSH session into a bridge). The controller shows the message as a Stalled condition.
 */
export class PlanBlocked extends Refused {
  constructor(reason: string, message: string) {
    super(reason, message);
    this.name = "PlanBlocked";
  }
}

/** The step, also naming the spec fields it brings the host to. */
export function withFields<S extends Step>(step: S, ...fields: HostField[]): S {
  return fields.length ? { ...step, fields: [...(step.fields ?? []), ...fields] } : step;
}
