import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { pino } from "pino";
import { keyString, type Kind, type LabObject, type ObjectKey } from "../../../src/api/index.js";
import type { Reconciler } from "../../../src/controllers/contract.js";
import { emptyState, type ObjectState, type StateStore } from "../../../src/controllers/state.js";
import type { HostAccess } from "../../../src/controllers/hostaccess.js";
import { objectGraph, reconcilersFor } from "../../../src/controllers/index.js";
import { OverlayStateStore } from "../../../src/modes/file/overlaystate.js";
import { teardownWaves } from "../../../src/runtime/teardown-order.js";
import { teardown, type TeardownReport } from "../../../src/runtime/teardown.js";
import { loadValidManifests } from "../../../src/sources/manifestloader.js";

const EXAMPLE = fileURLToPath(new URL("../../../manifests/", import.meta.url));
const log = pino({ level: "silent" });
const id = (k: ObjectKey) => `${k.kind}/${k.name}`;

async function exampleLab(): Promise<LabObject[]> {
  const { objects, errors } = await loadValidManifests([EXAMPLE]);
  assert.deepEqual(errors, []);
  return objects.map((o) => o.object);
}

test("the example lab is torn down VM first, then its networks, the Manager last", async () => {
  const waves = teardownWaves(await exampleLab(), objectGraph.dependsOn).map((w) => w.map(id));
  const at = (name: string) => waves.findIndex((w) => w.includes(name));
  assert.ok(at("TripleOUndercloud/tripleo") < at("LibvirtNetwork/hypervisor-control-plane"));
  assert.ok(at("TripleOUndercloud/tripleo") < at("LibvirtNetwork/openstack-control-plane"));
  for (const net of ["hypervisor-control-plane", "openstack-control-plane", "public"])
    assert.ok(at(`LibvirtNetwork/${net}`) < at("LabManager/lab"), net);
  assert.deepEqual(waves.at(-1), ["LabManager/lab"]);
});

/** Objects named o0..oN whose dependencies are arbitrary (a DAG, or with cycles). */
const graphs = fc.integer({ min: 1, max: 9 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    edges: fc.array(fc.tuple(fc.nat(n + 1), fc.nat(n - 1)), { maxLength: 3 * n }),
    acyclic: fc.boolean(),
  }),
);

function fakeLab(n: number, edges: [number, number][], acyclic: boolean) {
  const objects = Array.from(
    { length: n },
    (_, i) => ({ kind: "LibvirtNetwork", metadata: { namespace: "default", name: `o${i}` } }) as LabObject,
  );
  // from -> to: `from` depends on `to`; indexes past n are objects outside the set.
  const deps = edges.filter(([from, to]) => from < n && (!acyclic || to < from));
  const outside = edges.filter(([from]) => from >= n).map(([, to]) => to);
  const dependsOn = (o: LabObject): ObjectKey[] => {
    const i = Number(o.metadata.name.slice(1));
    const keys = deps.filter(([from]) => from === i).map(([, to]) => `o${to}`);
    if (outside.includes(i)) keys.push("elsewhere");
    return keys.map((name) => ({ kind: "LibvirtNetwork", namespace: "default", name }));
  };
  return { objects, deps, dependsOn };
}

test("property: every object once; what depends on another goes in an earlier wave", () => {
  fc.assert(
    fc.property(graphs, ({ n, edges, acyclic }) => {
      const { objects, deps, dependsOn } = fakeLab(n, edges, acyclic);
      const waves = teardownWaves(objects, dependsOn);
      const order = waves.flat().map((k) => k.name);
      assert.deepEqual([...order].sort(), objects.map((o) => o.metadata.name).sort());
      assert.ok(waves.every((w) => w.length > 0));
      if (!acyclic) return;
      const wave = (name: string) => waves.findIndex((w) => w.some((k) => k.name === name));
      for (const [from, to] of deps)
        if (from !== to) assert.ok(wave(`o${from}`) < wave(`o${to}`), `o${from} before o${to}`);
    }),
  );
});

class MemoryStates implements StateStore {
  readonly map = new Map<string, ObjectState>();
  async load(kind: Kind, namespace: string, name: string) {
    const s = this.map.get(`${kind}/${namespace}/${name}`);
    return s && structuredClone(s);
  }
  async save(state: ObjectState) {
    this.map.set(`${state.kind}/${state.namespace}/${state.name}`, structuredClone(state));
  }
  async remove(kind: Kind, namespace: string, name: string) {
    this.map.delete(`${kind}/${namespace}/${name}`);
  }
  async list() {
    return [...this.map.values()];
  }
}

/** Reconcilers standing in for the kinds' cleanup: record the call, fail where told. */
function fakeCleanup(calls: string[], failing: Map<string, number> = new Map()): Record<Kind, Reconciler> {
  const r: Reconciler = async (ctx) => {
    assert.ok(ctx.entry.deleting, "teardown only ever deletes");
    const who = id(ctx.key);
    calls.push(who);
    const left = failing.get(who) ?? 0;
    if (left > 0) {
      failing.set(who, left - 1);
      throw new Error(`ssh to ${who} dropped`);
    }
    if (ctx.entry.object.spec.deletionPolicy === "Orphan") return { deleted: true };
    ctx.state.status.plannedSteps = [`remove what ${who} made`];
    return ctx.mutate ? { deleted: true } : {};
  };
  return { LabManager: r, LibvirtNetwork: r, TripleOUndercloud: r, OvercloudNodeSet: r };
}

async function seeded(objects: LabObject[]): Promise<MemoryStates> {
  const states = new MemoryStates();
  for (const o of objects) {
    const s = emptyState(o.kind, o.metadata.namespace, o.metadata.name);
    s.lastGoodObject = o;
    await states.save(s);
  }
  return states;
}

test("teardown removes wave by wave and forgets each object's state", async () => {
  const lab = await exampleLab();
  const states = await seeded(lab);
  const calls: string[] = [];
  const events: TeardownReport[] = [];
  const ok = await teardown(lab, {
    reconcilers: fakeCleanup(calls),
    states,
    graph: objectGraph,
    log,
    mutate: true,
    report: (e) => events.push(e),
  });
  assert.equal(ok, true);
  assert.equal(calls.at(-1), "LabManager/lab");
  assert.ok(
    calls.indexOf("TripleOUndercloud/tripleo") < calls.indexOf("LibvirtNetwork/openstack-control-plane"),
  );
  assert.equal(states.map.size, 0, "every state is gone");
  assert.deepEqual(
    events
      .filter((e) => e.type === "removed")
      .map((e) => id(e.key))
      .sort(),
    lab.map((o) => `${o.kind}/${o.metadata.name}`).sort(),
  );
});

test("a dry run plans every object's cleanup and changes no state", async () => {
  const lab = await exampleLab();
  const states = await seeded(lab);
  const before = structuredClone([...states.map.entries()]);
  const events: TeardownReport[] = [];
  const ok = await teardown(lab, {
    reconcilers: fakeCleanup([]),
    states: new OverlayStateStore(states),
    graph: objectGraph,
    log,
    mutate: false,
    report: (e) => events.push(e),
  });
  assert.equal(ok, true);
  assert.deepEqual([...states.map.entries()], before);
  const planned = events.filter((e) => e.type === "planned");
  assert.equal(planned.length, lab.length);
  assert.ok(planned.every((e) => e.type === "planned" && e.steps.length === 1));
});

test("a failed cleanup stops the teardown: what the object stands on stays", async () => {
  const lab = await exampleLab();
  const states = await seeded(lab);
  const calls: string[] = [];
  const events: TeardownReport[] = [];
  const ok = await teardown(lab, {
    reconcilers: fakeCleanup(calls, new Map([["TripleOUndercloud/tripleo", 99]])),
    states,
    graph: objectGraph,
    log,
    mutate: true,
    report: (e) => events.push(e),
    attempts: 2,
    retryDelayMs: 1,
  });
  assert.equal(ok, false);
  assert.equal(calls.filter((c) => c === "TripleOUndercloud/tripleo").length, 2, "retried once");
  assert.ok(!calls.includes("LabManager/lab"));
  assert.ok(!calls.includes("LibvirtNetwork/openstack-control-plane"));
  const failed = events.find((e) => e.type === "failed");
  assert.match(
    failed && failed.type === "failed" ? failed.message : "",
    /ssh to TripleOUndercloud\/tripleo dropped/,
  );
  assert.ok(states.map.has(keyString({ kind: "LabManager", namespace: "default", name: "lab" })));
});

test("a transient failure is retried and the teardown goes on", async () => {
  const lab = await exampleLab();
  const calls: string[] = [];
  const ok = await teardown(lab, {
    reconcilers: fakeCleanup(calls, new Map([["LibvirtNetwork/public", 1]])),
    states: await seeded(lab),
    graph: objectGraph,
    log,
    mutate: true,
    report: () => {},
    retryDelayMs: 1,
  });
  assert.equal(ok, true);
  assert.equal(calls.at(-1), "LabManager/lab");
});

test("an Orphan object is reported as left in place", async () => {
  const lab = (await exampleLab()).map((o) =>
    o.kind === "LabManager" ? ({ ...o, spec: { ...o.spec, deletionPolicy: "Orphan" } } as LabObject) : o,
  );
  const events: TeardownReport[] = [];
  await teardown(lab, {
    reconcilers: fakeCleanup([]),
    states: await seeded(lab),
    graph: objectGraph,
    log,
    mutate: true,
    report: (e) => events.push(e),
  });
  assert.deepEqual(
    events.filter((e) => e.type === "orphaned").map((e) => id(e.key)),
    ["LabManager/lab"],
  );
});

test("a Manager is not cleaned up under an object that stays on it (the real driver)", async () => {
  const lab = await exampleLab();
  const manager = lab.filter((o) => o.kind === "LabManager");
  const staying = lab.filter((o) => o.metadata.name === "public");
  const events: TeardownReport[] = [];
  const hosts = new Proxy({} as HostAccess, {
    get: () => assert.fail("no host is reached while a dependent stays"),
  });
  const ok = await teardown(manager, {
    reconcilers: reconcilersFor(hosts),
    states: await seeded(lab),
    graph: objectGraph,
    log,
    mutate: true,
    report: (e) => events.push(e),
    staying,
  });
  assert.equal(ok, false);
  const failed = events.find((e) => e.type === "failed");
  assert.match(
    failed?.type === "failed" ? failed.message : "",
    /LibvirtNetwork public must be deleted first/,
  );
});
