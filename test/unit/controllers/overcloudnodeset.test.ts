/**
 * The OvercloudNodeSet kind through the real converge driver and the runtime's per-key
 * reconcile, on the Manager model of the steps' tests (test/unit/steps/overcloud/model.ts):
 * the kind's own observe/plan/cleanup run unchanged, only each planned step on the Manager
 * is carried out by the model (by its id) instead of by scripts over SSH; the handoff's steps
 * run as they are against an in-memory undercloud VM. The example lab of
 * manifests/ (LabManager lab, its networks, OvercloudNodeSet overcloud: 2 controllers + 1
 * compute) is what converges.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { beforeEach, describe, it } from "node:test";
import {
  type LabManager,
  type LabObject,
  type ObjectKey,
  type OvercloudNodeSet,
} from "../../../src/api/index.js";
import { reconcilerFor } from "../../../src/controllers/driver.js";
import { objectGraph } from "../../../src/controllers/index.js";
import type { HostAccess } from "../../../src/controllers/hostaccess.js";
import type { KindController, Work } from "../../../src/controllers/kind.js";
import { overcloudNodeSetKind } from "../../../src/controllers/overcloudnodeset.js";
import { emptyState } from "../../../src/controllers/state.js";
import { markReady } from "../../../src/machines/conditions.js";
import { loadManifests } from "../../../src/manifests/index.js";
import type { RemoteHost } from "../../../src/remote/types.js";
import { libvirtNetworkName } from "../../../src/render/libvirt-network.js";
import { ObjectCache } from "../../../src/runtime/cache.js";
import { dependentsOf } from "../../../src/runtime/dependencies.js";
import { reconcileOnce } from "../../../src/runtime/reconcile-once.js";
import { desiredNodeSet, rawNodeSetFacts, type NodeSetDesired } from "../../../src/steps/overcloud/index.js";
import { generateKeyPair } from "../../../src/workspace/keys.js";
import { ManagerModel } from "../steps/overcloud/model.js";
import { MemoryStates, reconcileDeps } from "./support.js";

const MANIFESTS = fileURLToPath(new URL("../../../manifests/", import.meta.url));
const SET: ObjectKey = { kind: "OvercloudNodeSet", namespace: "default", name: "overcloud" };
const password = (node: string) => `pw-${node}-secret`.slice(0, 20);

interface NodeStatusSeen {
  name: string;
  role: string;
  macs: string[];
  bmcPort?: number;
  powerState: string;
}

/** The example lab as the runtime would hold it: every object but the set Ready. */
class Lab {
  readonly model = new ManagerModel();
  readonly cache = new ObjectCache();
  readonly states = new MemoryStates();
  readonly saved: string[] = [];
  readonly asked: string[][] = [];
  readonly forgotten: { keepSecrets: boolean }[] = [];
  observes = 0;
  objects: LabObject[] = [];
  /** The undercloud VM's files (path → content and mode) and the commands run in it. */
  readonly guestFiles = new Map<string, { content: string; mode?: number }>();
  readonly guestRuns: string[][] = [];
  readonly logins: string[] = [];
  private readonly vmHostKey = generateKeyPair("ed25519", "root@tripleo");
  private readonly host: RemoteHost;

  constructor() {
    this.host = {
      id: "root@model:22",
      // The observe script's answer: the model, as JSON, for the set as it is now.
      observe: async () => {
        this.observes++;
        return rawNodeSetFacts.parse(JSON.parse(JSON.stringify(this.model.raw(this.desired()))));
      },
    } as unknown as RemoteHost;
  }

  async load(): Promise<void> {
    const loaded = await loadManifests([MANIFESTS]);
    assert.deepEqual(loaded.errors, []);
    this.objects = loaded.objects.map((o) => o.object);
    for (const o of this.objects) {
      this.cache.upsert(o, {});
      if (o.kind === "OvercloudNodeSet") continue;
      const state = emptyState(o.kind, o.metadata.namespace, o.metadata.name);
      state.status.conditions = markReady([], "Converged", "ok", 1);
      await this.states.save(state);
    }
  }

  set(): OvercloudNodeSet {
    return this.cache.get(SET)!.object as OvercloudNodeSet;
  }

  manager(): LabManager {
    return this.objects.find((o) => o.kind === "LabManager") as LabManager;
  }

  /** What the model answers for: the set with the passwords HostAccess hands out. */
  desired(): NodeSetDesired {
    const set = this.set();
    const names = Object.fromEntries(
      this.objects.flatMap((o) =>
        o.kind === "LibvirtNetwork" ? [[o.metadata.name, libvirtNetworkName(o)]] : [],
      ),
    );
    const d = desiredNodeSet(set, {
      networkNames: names,
      passwords: {},
      vbmcConfigDir: this.manager().spec.virtualBMC.configDir,
    });
    d.bmc.passwords = Object.fromEntries(d.nodes.map((n) => [n.name, password(n.name)]));
    return d;
  }

  edit(change: (set: OvercloudNodeSet) => void): void {
    const set = structuredClone(this.set());
    change(set);
    this.cache.upsert(set, {});
  }

  hosts(): HostAccess {
    return {
      manager: async () => this.host,
      credentials: async () => ({ managerPublicKey: "", managerPassword: "" }),
      fingerprint: () => undefined,
      forget: async (_o, opts) => void this.forgotten.push(opts),
      undercloud: {
        credentials: async () => ({
          privateKey: "unused",
          publicKey: "unused",
          password: "unused",
          hostKey: this.vmHostKey,
        }),
        guest: async (_m, vm) => {
          this.logins.push(`${vm.target.user}@${vm.target.host} as ${vm.alias}`);
          return this.guest();
        },
        saveResults: () => Promise.reject(new Error("a node set fetches no guest results")),
      },
      overcloud: {
        bmcPasswords: async (_set, nodes) => {
          this.asked.push([...nodes]);
          return Object.fromEntries(nodes.map((n) => [n, password(n)]));
        },
        saveInstackenv: async (_set, content) => void this.saved.push(content),
      },
    };
  }

  /** The undercloud VM, in memory: files and commands. */
  private guest(): RemoteHost {
    return {
      id: "tripleo@192.168.122.50:22",
      readFile: async (path: string) => {
        const f = this.guestFiles.get(path);
        return f ? Buffer.from(f.content) : null;
      },
      upload: async (path: string, content: string | Buffer, opts?: { mode?: number }) =>
        void this.guestFiles.set(path, { content: content.toString(), mode: opts?.mode }),
      exec: async (argv: readonly string[]) => {
        this.guestRuns.push([...argv]);
        return { exitCode: 0, stdout: "", stderr: "" };
      },
    } as unknown as RemoteHost;
  }

  /** The example's undercloud: Ready with an address (or not Ready at all). */
  async undercloud(ready: boolean): Promise<void> {
    const state = emptyState("TripleOUndercloud", "default", "tripleo");
    if (ready) {
      state.status.conditions = markReady([], "Converged", "ok", 1);
      state.status.ipAddress = "192.168.122.50";
    }
    await this.states.save(state);
  }

  /** The kind unchanged, except that each step's apply is carried out by the model. */
  private kind(): KindController<OvercloudNodeSet> {
    const onModel = (work: Work): Work => ({
      ...work,
      plan: async (how) => {
        const plan = await work.plan(how);
        // The Manager's steps go to the model; the undercloud's run as they are, in the fake VM.
        const steps = plan.steps.map((s) =>
          s.id.startsWith("undercloud/")
            ? s
            : { ...s, apply: async () => this.model.apply(this.desired(), [s]) },
        );
        return { ...plan, steps };
      },
    });
    return {
      ...overcloudNodeSetKind,
      converge: async (input) => onModel(await overcloudNodeSetKind.converge(input)),
      cleanup: async (input, m) => {
        const work = await overcloudNodeSetKind.cleanup(input, m);
        return work && onModel(work);
      },
    };
  }

  async reconcile() {
    const entry = this.cache.get(SET)!;
    const deps = reconcileDeps(this.states, this.cache);
    const done = await reconcileOnce(deps, reconcilerFor(this.kind(), this.hosts()), SET, entry);
    if (done.deleted) this.cache.forget(SET);
    return done;
  }

  async state() {
    return (await this.states.load(SET.kind, SET.namespace, SET.name))!;
  }
}

const ready = (s: { status: { conditions: { type: string; status: string }[] } }) =>
  s.status.conditions.find((c) => c.type === "Ready")?.status;

describe("OvercloudNodeSet through the converge driver", () => {
  let lab: Lab;
  beforeEach(async () => {
    lab = new Lab();
    await lab.load();
  });

  it("converges the example set: three stamped nodes powered off with a BMC each, status.nodes, instackenv.json kept", async () => {
    const done = await lab.reconcile();
    assert.equal(done.outcome, "ok", JSON.stringify(done.state.events));
    const state = await lab.state();
    assert.equal(ready(state), "True");
    const names = ["overcloud-controller-0", "overcloud-controller-1", "overcloud-compute-0"];
    assert.deepEqual([...lab.model.domains.keys()].sort(), [...names].sort());
    assert.deepEqual([...lab.model.vbmc.keys()].sort(), [...names].sort());
    const nodes = state.status.nodes as NodeStatusSeen[];
    assert.deepEqual(
      nodes.map((n) => [n.name, n.role, n.powerState, n.macs.length]),
      names.map((n) => [n, n.includes("compute") ? "compute" : "controller", "shut off", 2]),
    );
    const ports = nodes.map((n) => n.bmcPort);
    assert.equal(new Set(ports).size, 3, "one port per node");
    for (const p of ports) assert.ok(p! >= 6231 && p! <= 6240, `port ${p} in the spec's range`);
    for (const n of nodes)
      assert.equal(lab.model.vbmc.get(n.name)?.port, n.bmcPort, "status says the BMC's port");
    assert.deepEqual(lab.asked.at(-1), names, "one password asked for per node, in order");

    assert.equal(lab.saved.length, 1, "instackenv.json saved once the set converged");
    const instack = JSON.parse(lab.saved[0]!) as { nodes: Record<string, unknown>[] };
    assert.deepEqual(
      instack.nodes.map((n) => [n.name, n.pm_port, n.pm_password, (n.mac as string[])[0]]),
      nodes.map((n) => [n.name, String(n.bmcPort), password(n.name), n.macs[0]]),
    );
    // The passwords are in instackenv.json only: never in status, events or step records.
    const kept = JSON.stringify(state);
    for (const n of names) assert.ok(!kept.includes(password(n)), `no password of ${n} in the state`);
  });

  it("a second reconcile runs no step, and power is Ironic's: a node switched on is not drift", async () => {
    await lab.reconcile();
    const applied = lab.model.applied.length;
    lab.model.domains.get("overcloud-compute-0")!.state = "running";
    const done = await lab.reconcile();
    assert.equal(done.outcome, "ok");
    assert.equal(lab.model.applied.length, applied, "nothing applied");
    const state = await lab.state();
    assert.equal(ready(state), "True");
    assert.ok(!state.events.some((e) => e.reason === "DriftRepaired"), "no drift repaired");
    const compute = (state.status.nodes as NodeStatusSeen[]).find((n) => n.name === "overcloud-compute-0");
    assert.equal(compute?.powerState, "running");
    assert.equal(lab.model.domains.get("overcloud-compute-0")!.state, "running", "left running");
  });

  it("count 3 → 2 removes exactly the highest controller with its BMC; the others keep MACs and ports", async () => {
    await lab.reconcile();
    const before = (await lab.state()).status.nodes as NodeStatusSeen[];
    lab.edit((set) => (set.spec.roles[0]!.count = 1));
    const done = await lab.reconcile();
    assert.equal(done.outcome, "ok", JSON.stringify(done.state.events));
    assert.deepEqual([...lab.model.domains.keys()].sort(), ["overcloud-compute-0", "overcloud-controller-0"]);
    assert.deepEqual([...lab.model.vbmc.keys()].sort(), ["overcloud-compute-0", "overcloud-controller-0"]);
    const after = (await lab.state()).status.nodes as NodeStatusSeen[];
    assert.deepEqual(
      after,
      before.filter((n) => n.name !== "overcloud-controller-1"),
    );
    const instack = JSON.parse(lab.saved.at(-1)!) as { nodes: { name: string }[] };
    assert.deepEqual(
      instack.nodes.map((n) => n.name),
      ["overcloud-controller-0", "overcloud-compute-0"],
    );
  });

  it("waits for its networks: nothing is asked of the Manager until they are Ready", async () => {
    const net = lab.objects.find(
      (o) => o.kind === "LibvirtNetwork" && o.metadata.name === "openstack-control-plane",
    )!;
    const state = emptyState("LibvirtNetwork", "default", net.metadata.name);
    await lab.states.save(state);
    await lab.reconcile();
    const s = await lab.state();
    assert.equal(lab.observes, 0);
    assert.equal(s.status.phase, "waiting");
    assert.match(
      s.status.conditions.map((c) => c.message).join(" "),
      /LibvirtNetwork openstack-control-plane/,
    );
  });

  it("deletion removes only its own stamped nodes and BMCs, then forgets its secrets", async () => {
    await lab.reconcile();
    lab.model.domains.set("foreign", { foreignMacs: ["52:54:00:00:00:01"], state: "running" });
    lab.cache.markDeleting(SET);
    const done = await lab.reconcile();
    assert.equal(done.deleted, true, JSON.stringify(done.state.events));
    assert.deepEqual([...lab.model.domains.keys()], ["foreign"]);
    assert.deepEqual([...lab.model.vbmc.keys()], []);
    assert.deepEqual(lab.forgotten, [{ keepSecrets: false }]);
  });

  it("deletionPolicy Orphan leaves the nodes and keeps their passwords", async () => {
    lab.edit((set) => (set.spec.deletionPolicy = "Orphan"));
    await lab.reconcile();
    lab.cache.markDeleting(SET);
    const done = await lab.reconcile();
    assert.equal(done.deleted, true);
    assert.equal(lab.model.domains.size, 3);
    assert.deepEqual(lab.forgotten, [{ keepSecrets: true }]);
  });

  it("refuses a network of another Manager", async () => {
    const net = lab.objects.find(
      (o) => o.kind === "LibvirtNetwork" && o.metadata.name === "openstack-control-plane",
    )!;
    const moved = structuredClone(net) as Extract<LabObject, { kind: "LibvirtNetwork" }>;
    moved.spec.managerRef.name = "other";
    lab.cache.upsert(moved, {});
    const done = await lab.reconcile();
    assert.equal(done.outcome, "error");
    assert.match(
      JSON.stringify(done.state.events),
      /openstack-control-plane is on LabManager other, not lab/,
    );
    assert.equal(lab.model.domains.size, 0);
  });

  it("hands instackenv.json to the Ready undercloud: 0600 in its user's home, imported once per content", async () => {
    await lab.undercloud(true);
    const done = await lab.reconcile();
    assert.equal(done.outcome, "ok", JSON.stringify(done.state.events));
    const file = lab.guestFiles.get("/home/tripleo/instackenv.json");
    assert.equal(file?.content, lab.saved.at(-1), "the converged content, as kept in the workspace");
    assert.equal(file?.mode, 0o600);
    assert.deepEqual(lab.logins, ["tripleo@192.168.122.50 as tripleo"]);
    const imports = lab.guestRuns.map((argv) => argv.join(" "));
    assert.equal(imports.filter((c) => c.includes("openstack overcloud node import")).length, 1);
    assert.equal(
      imports.filter((c) => c.includes("introspect")).length,
      1,
      "the example asks for introspection",
    );
    const state = await lab.state();
    assert.equal(state.status.instackenv, "/home/tripleo/instackenv.json");
    const handed = state.status.conditions.find((c) => c.type === "InstackenvHandedOff");
    assert.equal(handed?.status, "True", handed?.message);
    assert.ok(!JSON.stringify(state).includes(password("overcloud-compute-0")), "no password in the state");

    const runs = lab.guestRuns.length;
    await lab.reconcile();
    assert.equal(lab.guestRuns.length, runs, "imported once: nothing runs again for the same content");

    lab.edit((set) => (set.spec.roles[0]!.count = 1));
    await lab.reconcile();
    assert.equal(lab.guestFiles.get("/home/tripleo/instackenv.json")?.content, lab.saved.at(-1));
    assert.equal(
      (JSON.parse(lab.saved.at(-1)!) as { nodes: unknown[] }).nodes.length,
      2,
      "the scaled set is what the undercloud gets",
    );
    assert.ok(lab.guestRuns.length > runs, "a new content is imported again");
    assert.equal(ready(await lab.state()), "True");
  });

  it("converges the nodes without the undercloud, and says what the handoff waits for", async () => {
    await lab.undercloud(false);
    const done = await lab.reconcile();
    assert.equal(done.outcome, "ok");
    const state = await lab.state();
    assert.equal(ready(state), "True");
    assert.equal(lab.model.domains.size, 3);
    const handed = state.status.conditions.find((c) => c.type === "InstackenvHandedOff");
    assert.equal(handed?.status, "False");
    assert.match(handed?.message ?? "", /waiting for TripleOUndercloud tripleo to be Ready/);
    assert.deepEqual(lab.logins, [], "the VM is not contacted");
    assert.equal(state.status.instackenv, undefined);
  });

  it("an undercloud Ready later gets the nodes as waited-for work, not as drift, under driftPolicy detect too", async () => {
    lab.edit((set) => (set.spec.driftPolicy = "detect"));
    await lab.undercloud(false);
    assert.equal((await lab.reconcile()).outcome, "ok");
    assert.equal(ready(await lab.state()), "True");
    await lab.undercloud(true);
    const done = await lab.reconcile();
    assert.equal(done.outcome, "ok", JSON.stringify(done.state.events));
    assert.equal(
      lab.guestFiles.get("/home/tripleo/instackenv.json")?.content,
      lab.saved.at(-1),
      "handed over",
    );
    let state = await lab.state();
    const reasons = state.events.map((e) => e.reason);
    assert.ok(!reasons.includes("DriftDetected") && !reasons.includes("DriftRepaired"), reasons.join(", "));
    assert.equal(state.status.instackenv, "/home/tripleo/instackenv.json");

    // Once there, the file removed by hand is drift: detect reports it and leaves it, every time.
    lab.guestFiles.delete("/home/tripleo/instackenv.json");
    for (let i = 0; i < 2; i++) await lab.reconcile();
    state = await lab.state();
    assert.equal(lab.guestFiles.get("/home/tripleo/instackenv.json"), undefined, "detect does not repair");
    assert.ok(state.events.some((e) => e.reason === "DriftDetected" && /instackenv/.test(e.message)));
    assert.equal(state.status.instackenv, "/home/tripleo/instackenv.json", "still where it was handed over");
  });

  it("is looked at again when its undercloud's Ready changes, without waiting for it", () => {
    const uc = { kind: "TripleOUndercloud" as const, namespace: "default", name: "tripleo" };
    assert.deepEqual(dependentsOf(objectGraph, lab.cache, uc), [SET]);
    assert.ok(!overcloudNodeSetKind.dependsOn(lab.set()).some((k) => k.kind === "TripleOUndercloud"));
  });
});
