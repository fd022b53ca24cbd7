/**
 * A kind whose host is one value in memory (the Manager's timezone), run by the real
 * converge driver and the runtime's per-key reconcile, with faults injected where a real
 * host fails: connecting, observing, applying, a step that claims success but changes
 * nothing, cleaning up. What the lifecycle does is then visible without SSH.
 */
import { labManager, type LabManager, type ObjectKey } from "../../../src/api/index.js";
import type { DesiredEntry } from "../../../src/controllers/contract.js";
import { reconcilerFor } from "../../../src/controllers/driver.js";
import type { HostAccess } from "../../../src/controllers/hostaccess.js";
import type { KindController } from "../../../src/controllers/kind.js";
import type { ObjectState, StateStore } from "../../../src/controllers/state.js";
import { createLogger } from "../../../src/log.js";
import { CommandFailed, HostKeyChanged, Unreachable } from "../../../src/remote/errors.js";
import type { RemoteHost } from "../../../src/remote/types.js";
import { ObjectCache } from "../../../src/runtime/cache.js";
import { reconcileOnce, type Reconciled } from "../../../src/runtime/reconcile-once.js";
import { PlanBlocked } from "../../../src/steps/types.js";
import { KeyedMutex } from "../../../src/util/keyed-mutex.js";

export type FaultAt = "connect" | "observe" | "apply" | "ineffective" | "cleanup";

export class MemoryStates implements StateStore {
  private readonly states = new Map<string, ObjectState>();
  async load(kind: string, namespace: string, name: string) {
    const s = this.states.get(`${kind}/${namespace}/${name}`);
    return s && structuredClone(s);
  }
  async save(state: ObjectState) {
    this.states.set(`${state.kind}/${state.namespace}/${state.name}`, structuredClone(state));
  }
  async remove(kind: string, namespace: string, name: string) {
    this.states.delete(`${kind}/${namespace}/${name}`);
  }
  async list() {
    return [...this.states.values()].map((s) => structuredClone(s));
  }
}

/** The host: one value, and the faults to raise on the next reconcile. */
export class MemoryHost {
  timezone?: string;
  fault?: { at: FaultAt; terminal: boolean };
  applied = 0;
  /** A first stage the plan must see done before it can plan the timezone (Plan.staged). */
  stage?: "pending" | "done";

  raise(at: FaultAt): void {
    if (this.fault?.at !== at) return;
    const { terminal } = this.fault;
    this.fault = undefined;
    if (at === "connect")
      throw terminal ? new HostKeyChanged("lab", "SHA256:a", "SHA256:b") : new Unreachable("lab", "reset");
    if (terminal) throw new PlanBlocked("Conflict", `refused at ${at}`);
    throw new CommandFailed(`fail at ${at}`, 1, ["boom"]);
  }
}

const remote = { id: "root@memory:22" } as RemoteHost;

/** LabManager objects, but converging only spec.timezone onto the memory host. */
export function timezoneKind(host: MemoryHost): KindController<LabManager> {
  const plan = (manager: LabManager, current: boolean) => {
    host.raise("observe");
    if (host.stage === "pending") {
      const prepare = {
        id: "prepare",
        description: "prepare",
        apply: async () => void (host.stage = "done"),
      };
      return { steps: [prepare], staged: true };
    }
    if (host.timezone === manager.spec.timezone) return { steps: [] };
    const step = {
      id: "timezone",
      description: `set the timezone to ${manager.spec.timezone}`,
      owns: { kind: "file" as const, name: "timezone" },
      ...(current ? { drift: `timezone changed to ${host.timezone}` } : {}),
      apply: async () => {
        host.raise("apply");
        host.applied += 1;
        if (host.fault?.at === "ineffective") return void (host.fault = undefined);
        host.timezone = manager.spec.timezone;
      },
    };
    return { steps: [step] };
  };
  return {
    kind: "LabManager",
    dependsOn: () => [],
    noun: () => "Manager",
    aspects: [{ type: "TimezoneSet", matches: /^timezone/, what: "the timezone" }],
    async converge({ object }) {
      host.raise("connect");
      return { host: remote, plan: async ({ current }) => plan(object, current) };
    },
    async cleanup({ state }) {
      if (state.owned.length === 0) return undefined;
      // Two steps, so a cleanup can fail halfway: the timezone gone, the rest not yet.
      const remove = {
        id: "timezone/remove",
        description: "forget the timezone",
        apply: async () => void (host.timezone = undefined),
      };
      const rest = {
        id: "timezone/rest",
        description: "remove the rest",
        apply: async () => host.raise("cleanup"),
      };
      return {
        host: remote,
        plan: async () => ({ steps: host.timezone === undefined ? [rest] : [remove, rest] }),
      };
    },
  };
}

export function manager(
  timezone: string,
  driftPolicy: "repair" | "detect" | "ignore",
  extra = {},
): LabManager {
  return labManager.parse({
    apiVersion: "openstacklab.io/v1alpha1",
    kind: "LabManager",
    metadata: { name: "lab" },
    spec: { address: "10.0.0.1", timezone, driftPolicy, ...extra },
  });
}

/** The timezone kind reaches no host through HostAccess; a finished deletion forgets nothing. */
export const noHosts = { forget: async () => undefined } as unknown as HostAccess;

export const KEY: ObjectKey = { kind: "LabManager", namespace: "default", name: "lab" };

/**
 * What the runtime hands reconcileOnce: these states and cache, silent, mutating, one lock,
 * every saved state as reported by this run.
 */
export function reconcileDeps(states: StateStore, cache: ObjectCache) {
  return {
    states,
    cache,
    hostLock: new KeyedMutex(),
    log: createLogger({ level: "silent" }),
    signal: new AbortController().signal,
    mutate: true,
    // The states these tests save stand for what this run reported.
    reportedSinceStart: () => true,
    emitStep: () => undefined,
  };
}

/** The runtime's view: the desired-object cache, saved state, and one key reconciled at a time. */
export class Harness {
  readonly cache = new ObjectCache();
  readonly states = new MemoryStates();
  readonly host = new MemoryHost();
  private readonly reconciler = reconcilerFor(timezoneKind(this.host), noHosts);
  private readonly deps = reconcileDeps(this.states, this.cache);

  entry(): DesiredEntry | undefined {
    return this.cache.get(KEY);
  }

  /** One reconcile as a worker runs it; a finished deletion forgets the key. */
  async reconcile(): Promise<Reconciled | undefined> {
    const entry = this.entry();
    if (!entry) return undefined;
    const done = await reconcileOnce(this.deps, this.reconciler, KEY, entry);
    if (done.deleted) this.cache.forget(KEY);
    return done;
  }

  state(): Promise<ObjectState | undefined> {
    return this.states.load(KEY.kind, KEY.namespace, KEY.name);
  }
}
