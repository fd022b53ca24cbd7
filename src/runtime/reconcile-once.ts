import { durationMs, keyString, Reason, type ObjectKey } from "../api/index.js";
import {
  reportedResync,
  type DesiredEntry,
  type DesiredObjects,
  type Locks,
  type ReconcileContext,
  type Reconciler,
  type StepEvent,
} from "../controllers/contract.js";
import { emptyState, recordEvent, type ObjectState, type StateStore } from "../controllers/state.js";
import type { Logger } from "../log.js";
import {
  getCondition,
  isTrue,
  markReconciling,
  markStalled,
  removeCondition,
  setCondition,
} from "../machines/conditions.js";
import { classify } from "../util/errors.js";

/** What one reconcile of a key needs from the runtime. */
export interface ReconcileDeps {
  states: StateStore;
  cache: DesiredObjects;
  hostLock: Locks;
  log: Logger;
  signal: AbortSignal;
  mutate: boolean;
  /** Whether this process has reported the key's status since it started (see ReconcileContext). */
  reportedSinceStart(key: ObjectKey): boolean;
  emitStep(key: ObjectKey, event: StepEvent): void;
}

/** When to look at the key again. */
export type Next = { retry: "backoff" } | { retry: "after"; ms: number } | { retry: "none" };

export interface Reconciled {
  outcome: "ok" | "error";
  next: Next;
  /** Cleanup finished and the state is gone: forget the key. */
  deleted: boolean;
  /** Ready flipped: what waits for this object looks again. */
  readyChanged: boolean;
  /** The object's state as saved (gone from the store when deleted). */
  state: ObjectState;
}

/**
 * Reconcile one key once: prepare its state (generation, InputValid), run the kind's
 * reconciler, save, and say when to look again. A retryable failure backs off; a terminal
 * one (host key changed, a plan the guard refuses) waits for the resync, an event or an
 * edit, since the same refusal would come back until the spec or the host changes.
 */
export async function reconcileOnce(
  deps: ReconcileDeps,
  reconciler: Reconciler,
  key: ObjectKey,
  entry: DesiredEntry,
): Promise<Reconciled> {
  const state = await prepareState(deps.states, key, entry);
  const readyBefore = isTrue(state.status.conditions, "Ready");
  const ctx = contextFor(deps, key, entry, state);
  const readyChanged = () => readyBefore !== isTrue(state.status.conditions, "Ready");
  try {
    const result = await reconciler(ctx);
    if (result.deleted) {
      await deps.states.remove(key.kind, key.namespace, key.name);
      return { outcome: "ok", next: { retry: "none" }, deleted: true, readyChanged: true, state };
    }
    await deps.states.save(state);
    const next: Next =
      result.requeueAfterMs === undefined ? { retry: "none" } : { retry: "after", ms: result.requeueAfterMs };
    return { outcome: "ok", next, deleted: false, readyChanged: readyChanged(), state };
  } catch (err) {
    const resync = reportedResync(err);
    // A reconciler that did not report its failure left status as it was: say so here.
    if (resync === undefined) recordFailure(ctx, err as Error);
    await deps.states.save(state);
    const next: Next = classify(err).retryable
      ? { retry: "backoff" }
      : { retry: "after", ms: resync ?? durationMs(entry.object.spec.resyncInterval) };
    return { outcome: "error", next, deleted: false, readyChanged: readyChanged(), state };
  }
}

/** Load state, bump the generation on a spec change, and report invalid input. */
export async function prepareState(
  states: StateStore,
  key: ObjectKey,
  entry: DesiredEntry,
): Promise<ObjectState> {
  const { object, specHash, inputErrors, deleting } = entry;
  const state =
    (await states.load(key.kind, key.namespace, key.name)) ?? emptyState(key.kind, key.namespace, key.name);
  state.createdAt ??= new Date().toISOString();
  if (state.specHash !== specHash && !deleting) {
    state.generation += 1;
    state.specHash = specHash;
    state.lastGoodObject = object;
  }
  // Kubernetes mode: the API server's generation is the one kubectl and kstatus compare.
  const served = object.metadata.generation;
  if (served !== undefined && !deleting && !inputErrors.length) state.generation = served;
  const conditions = state.status.conditions;
  state.status.conditions = inputErrors.length
    ? setCondition(
        conditions,
        {
          type: "InputValid",
          status: "False",
          reason: Reason.InvalidSpec,
          message: `latest manifest is invalid, last good spec kept: ${summarizeErrors(inputErrors)}`,
        },
        state.generation,
      )
    : removeCondition(conditions, "InputValid");
  return state;
}

/**
 * An object whose input was never valid has no last good spec to keep: it is not
 * reconciled, but its status says why (InputValid=False, Stalled until the input is fixed),
 * so `kubectl get` and `labctl get` show the error and not nothing. An object with a last
 * good spec in saved state is left to adoptSavedState, which keeps that spec.
 */
export async function reportInvalidInput(
  states: StateStore,
  key: ObjectKey,
  errors: string[],
  mutate: boolean,
): Promise<void> {
  const saved = await states.load(key.kind, key.namespace, key.name);
  if (saved?.lastGoodObject || !mutate) return;
  const state = saved ?? emptyState(key.kind, key.namespace, key.name);
  const message = `the manifest is invalid and there is no earlier good spec: ${summarizeErrors(errors)}`;
  let conditions = setCondition(
    state.status.conditions,
    { type: "InputValid", status: "False", reason: Reason.InvalidSpec, message },
    state.generation,
  );
  conditions = markStalled(conditions, Reason.InvalidSpec, message, state.generation);
  state.status.conditions = conditions;
  state.status.phase = "stalled";
  await states.save(state);
}

function contextFor(
  deps: ReconcileDeps,
  key: ObjectKey,
  entry: DesiredEntry,
  state: ObjectState,
): ReconcileContext {
  return {
    key,
    entry,
    state,
    checkpoint: () => deps.states.save(state),
    cache: deps.cache,
    states: deps.states,
    hostLock: deps.hostLock,
    log: deps.log.child({ kind: key.kind, namespace: key.namespace, name: key.name }),
    signal: deps.signal,
    mutate: deps.mutate,
    reportedSinceStart: (other) => deps.reportedSinceStart(other),
    emitStep: (event) => deps.emitStep(key, event),
  };
}

function recordFailure(ctx: ReconcileContext, err: Error): void {
  const { state, log } = ctx;
  const { reason } = classify(err);
  log.warn({ err: err.message, key: keyString(ctx.key) }, "reconcile failed; retrying with backoff");
  if (getCondition(state.status.conditions, "Stalled")?.status !== "True")
    state.status.conditions = markReconciling(state.status.conditions, reason, err.message, state.generation);
  recordEvent(state, "Warning", reason, err.message);
  // kstatus: the failure is about this generation of the spec.
  state.status.observedGeneration = state.generation;
}

/** At most this many input errors are spelled out in a condition message. */
const ERRORS_IN_MESSAGE = 5;

function summarizeErrors(errors: string[]): string {
  const shown = errors.slice(0, ERRORS_IN_MESSAGE).join("; ");
  const more = errors.length - ERRORS_IN_MESSAGE;
  return more > 0 ? `${shown}; and ${more} more (labctl validate lists them all)` : shown;
}
