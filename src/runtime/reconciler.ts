import type { LabObject, ObjectKey } from "../api/index.js";
import type { Logger } from "../log.js";
import type { CacheEntry, ObjectCache } from "./cache.js";
import type { KeyedMutex } from "./keyedmutex.js";
import type { ObjectState, StateStore } from "./state.js";

/** What a reconciler returns: when to look again, or that the object is gone for good. */
export interface ReconcileResult {
  requeueAfterMs?: number;
  /** Cleanup finished: forget the object and its state. */
  deleted?: boolean;
}

export interface ReconcileContext {
  key: ObjectKey;
  entry: CacheEntry;
  /** The object's state; mutate it, the runtime saves it after the reconcile. */
  state: ObjectState;
  /** Saves state now (before a risky step, so a crash knows what was underway). */
  checkpoint(): Promise<void>;
  cache: ObjectCache;
  states: StateStore;
  /** Serializes mutating work per Manager. */
  hostLock: KeyedMutex;
  log: Logger;
  /** Aborted when the operator stops: finish the current step, start no new one. */
  signal: AbortSignal;
  /** Whether this run may change anything (false for `labctl plan`). */
  mutate: boolean;
  /** Report a step's start or end (metrics, progress display). */
  emitStep(event: StepEvent): void;
}

export interface StepEvent {
  step: string;
  description: string;
  result: "started" | "done" | "failed";
  durationMs?: number;
  drift?: string;
  reason?: string;
}

export type Reconciler = (ctx: ReconcileContext) => Promise<ReconcileResult>;

export const done = (requeueAfterMs?: number): ReconcileResult => ({ requeueAfterMs });

/** The last good object of a dependency and its state, for readiness checks. */
export async function dependency(
  ctx: ReconcileContext,
  key: ObjectKey,
): Promise<{ object: LabObject; state: ObjectState | undefined } | undefined> {
  const entry = ctx.cache.get(key);
  if (!entry || entry.deleting) return undefined;
  return { object: entry.object, state: await ctx.states.load(key.kind, key.namespace, key.name) };
}
