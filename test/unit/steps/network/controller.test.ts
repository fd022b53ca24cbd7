import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { labManager, type LabManager, type LabObject } from "../../../../src/api/index.js";
import type { HostAccess } from "../../../../src/controllers/hostaccess.js";
import { reconcilerFor } from "../../../../src/controllers/driver.js";
import { libvirtNetworkKind } from "../../../../src/controllers/libvirtnetwork.js";
import { createLogger } from "../../../../src/log.js";
import type { ExecOptions } from "../../../../src/remote/types.js";
import { ObjectCache, objectKey } from "../../../../src/runtime/cache.js";
import { getCondition, markReady } from "../../../../src/machines/conditions.js";
import { KeyedMutex } from "../../../../src/util/keyed-mutex.js";
import { OverlayStateStore } from "../../../../src/modes/file/overlaystate.js";
import type { ReconcileContext } from "../../../../src/controllers/contract.js";
import { emptyState, type ObjectState, type StateStore } from "../../../../src/controllers/state.js";
import type { RawNetworkFacts } from "../../../../src/steps/network/facts.js";
import { fixture, RecordingHost, seed, verbs } from "./support.js";

const EMPTY: StateStore = {
  load: async () => undefined,
  save: async () => undefined,
  remove: async () => undefined,
  list: async () => [],
};

const manager: LabManager = labManager.parse({
  apiVersion: "openstacklab.io/v1alpha1",
  kind: "LabManager",
  metadata: { name: "lab" },
  spec: { address: "10.0.0.2" },
});

const raw = (over: Partial<RawNetworkFacts>): RawNetworkFacts => ({
  exists: true,
  active: true,
  autostart: true,
  persistent: true,
  uuid: "3fd62331-8aed-4e0b-8739-9b3a98656983",
  xml: fixture("hypervisor-control-plane"),
  ifaces: [],
  otherActive: [],
  hookInstalled: true,
  hookConfig: null,
  natRules: [],
  ...over,
});
const MISSING = raw({ exists: false, active: false, autostart: false, persistent: false, uuid: "", xml: "" });

/** A Manager host whose observations come from a script of facts, one per observe. */
class ScriptedHost extends RecordingHost {
  constructor(private readonly facts: RawNetworkFacts[]) {
    super();
  }
  override async observe<T>(_script: string, args: readonly string[], _opts: ExecOptions): Promise<T> {
    this.execs.push(["observe", ...args]);
    const next = this.facts.shift();
    if (!next) throw new Error("no more scripted observations");
    return next as T;
  }
}

async function setup(
  net: LabObject,
  host: RecordingHost,
  opts: { managerReady: boolean; deleting?: boolean },
) {
  const cache = new ObjectCache();
  cache.upsert(manager, {});
  cache.upsert(net, {});
  if (opts.deleting) cache.markDeleting(objectKey(net));
  const states = new OverlayStateStore(EMPTY);
  const managerState = emptyState("LabManager", "default", "lab");
  if (opts.managerReady) managerState.status.conditions = markReady([], "Converged", "ok", 1);
  await states.save(managerState);
  let asked = 0;
  const hosts: HostAccess = {
    manager: async () => (asked++, host),
    credentials: async () => ({ managerPublicKey: "", managerPassword: "" }),
    fingerprint: () => undefined,
    forget: async () => undefined,
    undercloud: {
      credentials: () => Promise.reject(new Error("networks never ask for VM credentials")),
      guest: () => Promise.reject(new Error("networks never log in to a VM")),
      saveResults: () => Promise.reject(new Error("networks fetch no results")),
    },
    overcloud: {
      bmcPasswords: () => Promise.reject(new Error("networks have no BMCs")),
      saveInstackenv: () => Promise.reject(new Error("networks write no instackenv.json")),
    },
  };
  const state: ObjectState = emptyState("LibvirtNetwork", "default", net.metadata.name);
  const key = objectKey(net);
  const emitted: string[] = [];
  const ctx: ReconcileContext = {
    key,
    entry: cache.get(key)!,
    state,
    checkpoint: async () => undefined,
    cache,
    states,
    hostLock: new KeyedMutex(),
    log: createLogger({ level: "silent" }),
    signal: new AbortController().signal,
    mutate: true,
    reportedSinceStart: () => true,
    emitStep: (event) => emitted.push(`${event.result} ${event.step}`),
  };
  return { ctx, reconcile: reconcilerFor(libvirtNetworkKind, hosts), asked: () => asked, emitted };
}

describe("LibvirtNetwork controller", () => {
  it("waits for its LabManager to be Ready without touching the host", async () => {
    const host = new ScriptedHost([]);
    const { ctx, reconcile, asked } = await setup(seed.hypervisor(), host, { managerReady: false });
    const result = await reconcile(ctx);
    assert.equal(result.requeueAfterMs, 10_000);
    assert.equal(asked(), 0);
    const ready = getCondition(ctx.state.status.conditions, "Ready");
    assert.equal(ready?.status, "False");
    assert.equal(ready?.reason, "WaitingForDependency");
    assert.equal(ctx.state.status.phase, "waiting");
  });

  it("creates a missing network, verifies it and reports Ready with the network's status", async () => {
    const host = new ScriptedHost([MISSING, raw({})]);
    const { ctx, reconcile, emitted } = await setup(seed.hypervisor(), host, { managerReady: true });
    const result = await reconcile(ctx);
    assert.equal(result.requeueAfterMs, 5 * 60_000);
    assert.deepEqual(
      verbs(host)
        .filter((v) => !v.startsWith("observe"))
        .map((v) => v.split(" ").slice(0, 2).join(" ")),
      ["net-define", "rm -f", "qemu:///system autostart", "qemu:///system start"],
    );
    assert.equal(getCondition(ctx.state.status.conditions, "Ready")?.status, "True");
    assert.equal(getCondition(ctx.state.status.conditions, "Reachable")?.status, "True");
    assert.equal(ctx.state.status.active, true);
    assert.equal(ctx.state.status.uuid, "3fd62331-8aed-4e0b-8739-9b3a98656983");
    assert.deepEqual(ctx.state.status.affectedDomains, []);
    assert.deepEqual(
      ctx.state.steps.map((s) => s.result),
      ["done", "done", "done"],
    );
    assert.deepEqual(
      emitted.filter((e) => e.startsWith("done")),
      ["define", "autostart", "start"].map((v) => `done network/hypervisor-control-plane/${v}`),
    );
  });

  it("stalls with reason Conflict on a network it did not create", async () => {
    const foreign = fixture("hypervisor-control-plane").replace(/\s*<metadata>[\s\S]*<\/metadata>/, "");
    const host = new ScriptedHost([raw({ xml: foreign })]);
    const { ctx, reconcile } = await setup(seed.hypervisor(), host, { managerReady: true });
    await assert.rejects(reconcile(ctx), /not created by lab-operator/);
    const stalled = getCondition(ctx.state.status.conditions, "Stalled");
    assert.equal(stalled?.status, "True");
    assert.equal(stalled?.reason, "Conflict");
    assert.equal(ctx.state.status.phase, "stalled");
    assert.deepEqual(verbs(host), [
      "observe qemu:///system hypervisor-control-plane /etc/libvirt/hooks/network /etc/lab-operator/network-hook.conf",
    ]);
  });

  it("on deletion stops and undefines the network it created", async () => {
    const host = new ScriptedHost([raw({})]);
    const { ctx, reconcile } = await setup(seed.hypervisor(), host, { managerReady: true, deleting: true });
    assert.deepEqual(await reconcile(ctx), { deleted: true });
    assert.deepEqual(verbs(host).slice(1), [
      "qemu:///system destroy hypervisor-control-plane LibvirtNetwork default hypervisor-control-plane ",
      "qemu:///system undefine hypervisor-control-plane LibvirtNetwork default hypervisor-control-plane ",
    ]);
  });

  it("on deletion with deletionPolicy Orphan leaves the network alone", async () => {
    const net = seed.hypervisor();
    net.spec.deletionPolicy = "Orphan";
    const host = new ScriptedHost([]);
    const { ctx, reconcile, asked } = await setup(net, host, { managerReady: true, deleting: true });
    assert.deepEqual(await reconcile(ctx), { deleted: true });
    assert.equal(asked(), 0);
  });
});
