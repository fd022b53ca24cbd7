import { keyOf, keyString } from "../api/index.js";
import { getCondition } from "../machines/conditions.js";
import type { ControllerManager } from "./manager.js";
import type { ObjectState, StateStore } from "../controllers/state.js";

export interface SettleOutcome {
  ok: boolean;
  /** Objects not Ready, with their Ready/Stalled condition, for printing. */
  notReady: ObjectState[];
  timedOut: boolean;
}

/** An object is settled when Ready at its generation, or Stalled (a person must act). */
export function isSettled(state: ObjectState | undefined): boolean {
  if (!state) return false;
  const ready = getCondition(state.status.conditions, "Ready");
  if (ready?.status === "True" && state.status.observedGeneration === state.generation) return true;
  const stopped = ["Stalled", "Suspended"].some(
    (t) => getCondition(state.status.conditions, t)?.status === "True",
  );
  return stopped;
}

/**
 * Resolve once every object has been reconciled since its last change and has settled (or,
 * with `once`, been reconciled at least once), or the deadline passes. Deleting objects
 * count as settled when they are gone.
 */
export function waitForSettled(
  manager: ControllerManager,
  states: StateStore,
  opts: { timeoutMs: number; once?: boolean },
): Promise<SettleOutcome> {
  return new Promise((resolve) => {
    let finished = false;
    const finish = async (timedOut: boolean) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      const current = await currentStates(manager, states);
      const notReady = current.filter((s) => getCondition(s.status.conditions, "Ready")?.status !== "True");
      resolve({ ok: !timedOut && notReady.length === 0, notReady, timedOut });
    };
    const timer = setTimeout(() => void finish(true), opts.timeoutMs);
    const check = async () => {
      const keys = manager.cache.list().map((e) => ({ key: keyOf(e.object), deleting: e.deleting }));
      for (const { key, deleting } of keys) {
        const id = keyString(key);
        if (!manager.reconciledOnce.has(id) || manager.queue.isPending(id)) return;
        if (opts.once) continue;
        const state = await states.load(key.kind, key.namespace, key.name);
        if (deleting || !isSettled(state)) return;
      }
      await finish(false);
    };
    manager.onReconciled(() => void check());
    void check();
  });
}

async function currentStates(manager: ControllerManager, states: StateStore): Promise<ObjectState[]> {
  const out: ObjectState[] = [];
  for (const entry of manager.cache.list()) {
    const k = keyOf(entry.object);
    const s = await states.load(k.kind, k.namespace, k.name);
    if (s) out.push(s);
  }
  return out;
}
