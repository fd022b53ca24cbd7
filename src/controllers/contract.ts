import type { LabObject, ObjectKey, Origin } from "../api/index.js";
import type { Logger } from "../log.js";
import type { ObjectState, StateStore } from "./state.js";

/** The desired state of one key as the runtime holds it: the last good object. */
export interface DesiredEntry {
  object: LabObject;
  origin: Origin;
  specHash: string;
  /** Errors from the latest input, when it was invalid (the object keeps its last good spec). */
  inputErrors: string[];
  /** Set when the source no longer has the object: cleanup is due. */
  deleting: boolean;
}

/** Read access to every desired object (the runtime's cache). */
export interface DesiredObjects {
  get(key: ObjectKey): DesiredEntry | undefined;
  list(kind?: ObjectKey["kind"]): DesiredEntry[];
}

/** One holder at a time per key (one writer per Manager). */
export interface Locks {
  run<T>(key: string, work: () => Promise<T>): Promise<T>;
}

/** How a reconcile failed, as classified where the error was raised. */
export interface Failure {
  reason: string;
  message: string;
  /** Retry with backoff; otherwise wait for the spec or the host to change. */
  retryable: boolean;
}

/** What a reconciler returns: when to look again, or that the object is gone for good. */
export interface ReconcileResult {
  requeueAfterMs?: number;
  /** Cleanup finished: forget the object and its state. */
  deleted?: boolean;
}

const REPORTED = Symbol("reported");

/**
 * A failure the reconciler has already written into status and events: the runtime only
 * decides when to look again (backoff when retryable, else `resyncMs`).
 */
export function reported<E extends Error>(err: E, resyncMs: number): E {
  return Object.assign(err, { [REPORTED]: resyncMs });
}

/** The resync of a reported failure; undefined for an error nobody reported. */
export function reportedResync(err: unknown): number | undefined {
  return err instanceof Error ? (err as { [REPORTED]?: number })[REPORTED] : undefined;
}

export interface ReconcileContext {
  key: ObjectKey;
  entry: DesiredEntry;
  /** The object's state; mutate it, the runtime saves it after the reconcile. */
  state: ObjectState;
  /** Saves state now (before a risky step, so a crash knows what was underway). */
  checkpoint(): Promise<void>;
  cache: DesiredObjects;
  states: StateStore;
  /** Serializes mutating work per Manager. */
  hostLock: Locks;
  log: Logger;
  /** Aborted when the operator stops: finish the current step, start no new one. */
  signal: AbortSignal;
  /** Whether this run may change anything (false for `labctl plan`). */
  mutate: boolean;
  /**
   * Whether this process has reconciled the key since it started. A dependency's Ready saved
   * by an earlier run may be stale (the Manager replaced under the workspace): it counts once
   * this process has looked at the host again.
   */
  reportedSinceStart(key: ObjectKey): boolean;
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
