import type { LabManager, LabObject, ObjectKey } from "../api/index.js";
import type { Logger } from "../log.js";
import type { LineWatch } from "../remote/event-watcher.js";
import type { RemoteHost } from "../remote/types.js";
import type { Step } from "../steps/types.js";
import type { DesiredObjects } from "./contract.js";
import type { HostAccess } from "./hostaccess.js";
import type { ObjectState } from "./state.js";

/**
 * What is particular to one kind, for the one converge driver (driver.ts). A kind says what
 * it waits for, how to reach and observe its host and plan from the facts, which aspects it
 * reports, and how to clean up; the driver runs the beats in the same order for every kind.
 */
export interface KindController<O extends LabObject = LabObject> {
  kind: O["kind"];
  /** Objects that must be Ready first; the driver reports WaitingForDependency until they are. */
  dependsOn(object: O): ObjectKey[];
  /** Objects whose desired state reads this one: re-queued whenever it changes or goes. */
  readers?(object: O): ObjectKey[];
  /** Objects read without waiting for them (KindInput.readyObject): their Ready changing re-queues this one. */
  follows?(object: O): ObjectKey[];
  /** Per-aspect conditions, each True when no planned step's id matches. */
  aspects: readonly Aspect[];
  /** What the object is on its host, for messages ("libvirt network public"). */
  noun(object: O): string;
  /** Connect and resolve what converging needs (credentials, rendered files). */
  converge(input: KindInput<O>): Promise<Work>;
  /** What cleaning up on `manager` needs; undefined when nothing of ours can be left there. */
  cleanup(input: KindInput<O>, manager: LabManager): Promise<Work | undefined>;
  /** Host event streams that re-queue objects of this kind (started once their Manager is Ready). */
  watches?: readonly HostWatch<O>[];
}

export interface Aspect {
  type: string;
  matches: RegExp;
  what: string;
}

export interface KindInput<O extends LabObject> {
  object: O;
  /** The Ready objects dependsOn named, by "Kind/namespace/name". */
  dependencies: ReadonlyMap<string, LabObject>;
  /** The object's saved state: kinds keep their own status fields (the BMC entry, the journal). */
  state: ObjectState;
  hosts: HostAccess;
  objects: DesiredObjects;
  log: Logger;
  /** Save the state now (live progress of a long guest phase). */
  checkpoint(): Promise<void>;
  /**
   * An object read without waiting for it (an OvercloudNodeSet's undercloudRef): the object
   * and its saved status while it is Ready, else undefined.
   */
  readyObject(key: ObjectKey): Promise<{ object: LabObject; status: Record<string, unknown> } | undefined>;
}

/** What one reconcile works with once connected. */
export interface Work {
  /** Where observe runs and, unless a step says otherwise, steps run. */
  host: RemoteHost;
  /** The pinned host key of the Manager, when this is the Manager itself. */
  fingerprint?: string;
  /**
   * Observe the host (one round trip) and plan from what was seen. `current`: the spec has
   * not changed since the host last matched it, so what differs is drift.
   */
  plan(how: { current: boolean }): Promise<Plan>;
  /** Runs after the steps, whether they succeeded or not (fetching a guest's results). */
  afterApply?(): Promise<void>;
}

export interface Plan {
  steps: PlannedStep[];
  /** Observed facts for the object's status (osFamily, uuid, domainState...). */
  status?: Record<string, unknown>;
  /** Fields to drop from status (a fact no longer observed). */
  clearStatus?: readonly string[];
  /** Conditions of the kind's own, from what was observed (VirtualizationChosen). */
  conditions?: readonly { type: string; ok: boolean; reason: string; message: string }[];
  /** Found on the host, not ours, left alone: reported as a Conflict event. */
  leftAlone?: string;
  /** One sentence for the Converged event once nothing is left to do. */
  converged?: string;
  /**
   * These steps are a first stage: what comes next depends on what they make (the undercloud
   * defines its domain only once its base image was probed under KVM). The driver applies
   * them, re-plans and continues in the same reconcile.
   */
  staged?: boolean;
}

/** A step, possibly run elsewhere than on the object's Manager (an undercloud's guest). */
export type PlannedStep = Step & { on?: StepTarget };

export interface StepTarget {
  host(): Promise<RemoteHost>;
  /** Steps with the same lock key never run at once (default: the object's Manager). */
  lock: string;
}

/**
 * A long-lived command on a Ready Manager whose lines re-queue objects on it: of the kind,
 * or of `kinds` when a change there concerns others too (a file one kind writes and
 * another reads).
 */
export type HostWatch<O extends LabObject = LabObject> = LineWatch<O> & {
  name: string;
  kinds?: readonly LabObject["kind"][];
};
