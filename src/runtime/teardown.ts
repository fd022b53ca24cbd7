import { keyString, type Kind, type LabObject, type ObjectKey } from "../api/index.js";
import type { Reconciler, StepEvent } from "../controllers/contract.js";
import type { ObjectState, StateStore } from "../controllers/state.js";
import type { Logger } from "../log.js";
import { getCondition } from "../machines/conditions.js";
import { KeyedMutex } from "../util/keyed-mutex.js";
import { ObjectCache, objectKey } from "./cache.js";
import type { ObjectGraph } from "./dependencies.js";
import { reconcileOnce, type ReconcileDeps } from "./reconcile-once.js";
import { teardownWaves } from "./teardown-order.js";

/** What happened to one object, in the order it happened. */
export type TeardownReport =
  | { type: "begin"; key: ObjectKey }
  | { type: "step"; key: ObjectKey; event: StepEvent }
  /** Dry run: the steps the cleanup would take (none: nothing of ours is left). */
  | { type: "planned"; key: ObjectKey; steps: string[]; warnings: string[] }
  | { type: "removed"; key: ObjectKey; steps: string[]; warnings: string[] }
  | { type: "orphaned"; key: ObjectKey }
  | { type: "failed"; key: ObjectKey; message: string };

export interface TeardownOptions {
  reconcilers: Record<Kind, Reconciler>;
  /** Saved state (ownership records); a dry run passes an overlay that keeps writes in memory. */
  states: StateStore;
  graph: ObjectGraph;
  log: Logger;
  /** false: plan the cleanup only (`--dry-run`), nothing is changed. */
  mutate: boolean;
  report(event: TeardownReport): void;
  /** Attempts per object when a cleanup fails retryably (an SSH hiccup). Default 3. */
  attempts?: number;
  retryDelayMs?: number;
  signal?: AbortSignal;
  /**
   * Objects that stay (known from saved state, not among `objects`): a Manager they are on
   * is not cleaned up under them, its cleanup fails saying they must go first.
   */
  staying?: readonly LabObject[];
}

/**
 * `labctl delete`: clean up `objects` through the operator's own deletion path (the same
 * reconcile that runs when a manifest is removed), in reverse dependency order, one wave
 * at a time (in a wave, one object after the other). A wave whose cleanup fails stops the
 * teardown: what the failed object stands on is never removed under it. Returns whether
 * every object was removed (or orphaned).
 */
export async function teardown(objects: readonly LabObject[], opts: TeardownOptions): Promise<boolean> {
  const cache = new ObjectCache();
  for (const object of opts.staying ?? []) cache.upsert(object, {});
  for (const object of objects) {
    cache.upsert(object, {});
    cache.markDeleting(objectKey(object));
  }
  const abort = new AbortController();
  const deps: ReconcileDeps = {
    states: opts.states,
    cache,
    hostLock: new KeyedMutex(),
    log: opts.log,
    signal: opts.signal ?? abort.signal,
    mutate: opts.mutate,
    // Teardown converges nothing: no dependency is ever trusted as Ready here.
    reportedSinceStart: () => false,
    emitStep: (key, event) => opts.report({ type: "step", key, event }),
  };
  for (const wave of teardownWaves(objects, (o) => opts.graph.dependsOn(o))) {
    // One object at a time: cleanup is quick, and its printed steps stay together.
    let ok = true;
    for (const key of wave) ok = (await removeOne(key, cache, deps, opts)) && ok;
    if (!ok) return false;
    // Gone (or, in a dry run, as good as gone): what waited for them proceeds.
    for (const key of wave) cache.forget(key);
  }
  return true;
}

async function removeOne(
  key: ObjectKey,
  cache: ObjectCache,
  deps: ReconcileDeps,
  opts: TeardownOptions,
): Promise<boolean> {
  const entry = cache.get(key)!;
  const orphan = entry.object.spec.deletionPolicy === "Orphan";
  opts.report({ type: "begin", key });
  const attempts = opts.attempts ?? 3;
  for (let attempt = 1; ; attempt++) {
    const since = new Date().toISOString();
    const done = await reconcileOnce(deps, opts.reconcilers[key.kind], key, entry);
    const steps = done.state.status.plannedSteps;
    const planned = Array.isArray(steps) ? (steps as string[]) : [];
    if (done.outcome === "ok" && (done.deleted || !opts.mutate)) {
      // What cleanup left alone and why (not ours, its Manager unknown).
      const warnings = warningsSince(done.state, since);
      if (orphan) opts.report({ type: "orphaned", key });
      else opts.report({ type: opts.mutate ? "removed" : "planned", key, steps: planned, warnings });
      return true;
    }
    const message = failureOf(done.state, since) ?? `cleanup of ${keyString(key)} did not finish`;
    if (done.outcome === "error" && done.next.retry === "backoff" && attempt < attempts) {
      opts.log.warn({ key: keyString(key), attempt, err: message }, "cleanup failed; retrying");
      await new Promise((r) => setTimeout(r, opts.retryDelayMs ?? 2000));
      continue;
    }
    opts.report({ type: "failed", key, message });
    return false;
  }
}

/** Why the reconcile did not finish: the warning it recorded, else its Ready message. */
function failureOf(state: ObjectState, since: string): string | undefined {
  return warningsSince(state, since).at(-1) ?? getCondition(state.status.conditions, "Ready")?.message;
}

function warningsSince(state: ObjectState, since: string): string[] {
  return state.events.filter((e) => e.type === "Warning" && e.lastTimestamp >= since).map((e) => e.message);
}
