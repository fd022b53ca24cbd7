/**
 * spec.managerRef edited after the object was made on a Manager, through the real driver
 * and the runtime's per-key reconcile: the move is refused with a condition that says how
 * (it is never silently ignored, and nothing is made or deleted on either Manager), the
 * old Manager waits for the object before its own deletion, and deleting the object
 * cleans up where it was made, not where the edited spec points. Every Manager is a set
 * of network names in memory.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  labManager,
  libvirtNetwork,
  type LabManager,
  type LibvirtNetwork,
  type ObjectKey,
} from "../../../src/api/index.js";
import { reconcilerFor } from "../../../src/controllers/driver.js";
import type { KindController } from "../../../src/controllers/kind.js";
import { emptyState } from "../../../src/controllers/state.js";
import { getCondition, markReady } from "../../../src/machines/conditions.js";
import type { RemoteHost } from "../../../src/remote/types.js";
import { ObjectCache } from "../../../src/runtime/cache.js";
import { reconcileOnce } from "../../../src/runtime/reconcile-once.js";
import { MemoryStates, noHosts, reconcileDeps, timezoneKind, MemoryHost } from "./support.js";

/** Network names per Manager name. */
type Hosts = Map<string, Set<string>>;

function networkKind(hosts: Hosts): KindController<LibvirtNetwork> {
  const on = (m: LabManager) => hosts.get(m.metadata.name)!;
  return {
    kind: "LibvirtNetwork",
    dependsOn: (net) => [{ kind: "LabManager", namespace: "default", name: net.spec.managerRef.name }],
    noun: (net) => `libvirt network ${net.metadata.name}`,
    aspects: [],
    async converge({ object: net, dependencies }) {
      const manager = dependencies.get(`LabManager/default/${net.spec.managerRef.name}`) as LabManager;
      const name = net.metadata.name;
      const step = {
        id: `network/${name}`,
        description: `define ${name} on ${manager.metadata.name}`,
        owns: { kind: "file" as const, name: `/etc/libvirt/qemu/networks/${name}.xml` },
        apply: async () => void on(manager).add(name),
      };
      return {
        host: { id: manager.metadata.name } as RemoteHost,
        plan: async () => ({ steps: on(manager).has(name) ? [] : [step] }),
      };
    },
    async cleanup({ object: net }, manager) {
      const name = net.metadata.name;
      const step = {
        id: `network/${name}/remove`,
        description: `undefine ${name}`,
        apply: async () => void on(manager).delete(name),
      };
      return {
        host: { id: manager.metadata.name } as RemoteHost,
        plan: async () => ({ steps: on(manager).has(name) ? [step] : [] }),
      };
    },
  };
}

const managerObject = (name: string): LabManager =>
  labManager.parse({
    apiVersion: "openstacklab.io/v1alpha1",
    kind: "LabManager",
    metadata: { name },
    spec: { address: "10.0.0.1" },
  });

// The example lab's own network name and Manager name (manifests/), and a second Manager.
const network = (managerName: string): LibvirtNetwork =>
  libvirtNetwork.parse({
    apiVersion: "openstacklab.io/v1alpha1",
    kind: "LibvirtNetwork",
    metadata: { name: "openstack-control-plane" },
    spec: { managerRef: { name: managerName }, mode: "bridge", bridge: "openstack" },
  });

const NET: ObjectKey = { kind: "LibvirtNetwork", namespace: "default", name: "openstack-control-plane" };
const managerKey = (name: string): ObjectKey => ({ kind: "LabManager", namespace: "default", name });

class Lab {
  readonly hosts: Hosts = new Map([
    ["lab", new Set()],
    ["lab2", new Set()],
  ]);
  readonly cache = new ObjectCache();
  readonly states = new MemoryStates();
  private readonly deps = reconcileDeps(this.states, this.cache);
  private readonly networks = reconcilerFor(networkKind(this.hosts), noHosts);
  // The Managers' own reconciles only matter for their deletion here: it waits for dependents.
  private readonly managers = reconcilerFor(timezoneKind(new MemoryHost()), noHosts);

  async start(): Promise<void> {
    for (const name of ["lab", "lab2"]) {
      this.cache.upsert(managerObject(name), {});
      const state = emptyState("LabManager", "default", name);
      state.status.conditions = markReady([], "Converged", "ok", 1);
      await this.states.save(state);
    }
  }

  async reconcile(key: ObjectKey) {
    const entry = this.cache.get(key);
    if (!entry) return undefined;
    const reconciler = key.kind === "LabManager" ? this.managers : this.networks;
    const done = await reconcileOnce(this.deps, reconciler, key, entry);
    if (done.deleted) this.cache.forget(key);
    return done;
  }

  async state(key: ObjectKey) {
    return (await this.states.load(key.kind, key.namespace, key.name))!;
  }
}

describe("spec.managerRef edited after the network was made", () => {
  it("is refused with ManagerRefImmutable: nothing made on the new Manager, nothing removed on the old", async () => {
    const lab = new Lab();
    await lab.start();
    lab.cache.upsert(network("lab"), {});
    await lab.reconcile(NET);
    assert.deepEqual([...lab.hosts.get("lab")!], ["openstack-control-plane"]);
    assert.equal((await lab.state(NET)).placedOn, "lab");

    lab.cache.upsert(network("lab2"), {});
    for (let i = 0; i < 2; i++) await lab.reconcile(NET);
    const state = await lab.state(NET);
    const ready = getCondition(state.status.conditions, "Ready");
    assert.equal(ready?.status, "False");
    assert.equal(ready?.reason, "ManagerRefImmutable");
    assert.match(ready!.message, /from lab to lab2.*set spec\.managerRef back to lab, or delete the object/);
    assert.equal(getCondition(state.status.conditions, "Stalled")?.status, "True");
    assert.deepEqual([...lab.hosts.get("lab")!], ["openstack-control-plane"], "left on the old Manager");
    assert.deepEqual([...lab.hosts.get("lab2")!], [], "nothing made on the new one");

    lab.cache.upsert(network("lab"), {});
    await lab.reconcile(NET);
    const back = await lab.state(NET);
    assert.equal(getCondition(back.status.conditions, "Ready")?.status, "True", "changed back: Ready");
    assert.equal(getCondition(back.status.conditions, "Stalled"), undefined);
  });

  it("the old Manager waits for it before its own deletion; deleting it cleans up where it was made", async () => {
    const lab = new Lab();
    await lab.start();
    lab.cache.upsert(network("lab"), {});
    await lab.reconcile(NET);
    lab.cache.upsert(network("lab2"), {});
    await lab.reconcile(NET);

    lab.cache.markDeleting(managerKey("lab"));
    await lab.reconcile(managerKey("lab"));
    const waiting = await lab.state(managerKey("lab"));
    assert.ok(lab.cache.get(managerKey("lab")), "the old Manager is not gone yet");
    assert.match(JSON.stringify(waiting.status.conditions), /openstack-control-plane must be deleted first/);

    lab.cache.markDeleting(NET);
    const done = await lab.reconcile(NET);
    assert.equal(done?.deleted, true);
    assert.deepEqual([...lab.hosts.get("lab")!], [], "removed from the Manager it was made on");
    assert.deepEqual([...lab.hosts.get("lab2")!], []);
    assert.equal((await lab.reconcile(managerKey("lab")))?.deleted, true, "then the Manager goes");
  });

  it("an object never applied anywhere may still move: plan-only and waiting runs do not place it", async () => {
    const lab = new Lab();
    await lab.start();
    await lab.states.save({
      ...emptyState("LabManager", "default", "lab"),
      status: { conditions: [] },
    });
    lab.cache.upsert(network("lab"), {});
    await lab.reconcile(NET); // waiting for lab to be Ready: nothing applied
    assert.equal((await lab.state(NET)).placedOn, undefined);
    lab.cache.upsert(network("lab2"), {});
    await lab.reconcile(NET);
    assert.equal(getCondition((await lab.state(NET)).status.conditions, "Ready")?.status, "True");
    assert.deepEqual([...lab.hosts.get("lab2")!], ["openstack-control-plane"]);
    assert.equal((await lab.state(NET)).placedOn, "lab2");
  });
});
