/**
 * How the runtime spreads work: resyncs jittered so many Managers do not resync in lockstep,
 * each kind with its own workers so a long undercloud run never takes a LabManager's, and a
 * LabManager's deletion waiting until the objects on it are gone.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { pino } from "pino";
import { labManager, libvirtNetwork, tripleoUndercloud, type Kind } from "../../../src/api/index.js";
import { reconcilerFor } from "../../../src/controllers/driver.js";
import type { Reconciler } from "../../../src/controllers/contract.js";
import { markReady } from "../../../src/machines/conditions.js";
import { FileStateStore } from "../../../src/modes/file/filestate.js";
import { ControllerManager } from "../../../src/runtime/manager.js";
import { parseWorkerLimits } from "../../../src/runtime/queues.js";
import { KEY, manager, MemoryHost, noHosts, timezoneKind } from "../controllers/support.js";

const network = libvirtNetwork.parse({
  apiVersion: "openstacklab.io/v1alpha1",
  kind: "LibvirtNetwork",
  metadata: { name: "net" },
  spec: { managerRef: { name: "lab" }, mode: "isolated", bridge: "br-net" },
});

const lm = (name: string) =>
  labManager.parse({
    apiVersion: "openstacklab.io/v1alpha1",
    kind: "LabManager",
    metadata: { name },
    spec: { address: "10.0.0.1" },
  });

async function withStates<T>(fn: (states: FileStateStore) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "fair-"));
  try {
    return await fn(new FileStateStore(dir));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const undercloud = tripleoUndercloud.parse({
  apiVersion: "openstacklab.io/v1alpha1",
  kind: "TripleOUndercloud",
  metadata: { name: "uc" },
  spec: {
    managerRef: { name: "a" },
    nics: [{ networkRef: { name: "n" } }],
    tripleo: { profile: "debian-test" },
  },
});

const ready =
  (requeueAfterMs?: number, seen?: (name: string) => void): Reconciler =>
  async (ctx) => {
    seen?.(ctx.key.name);
    if (ctx.entry.deleting) return { deleted: true };
    ctx.state.status.conditions = markReady(
      ctx.state.status.conditions,
      "Converged",
      "ok",
      ctx.state.generation,
    );
    ctx.state.status.observedGeneration = ctx.state.generation;
    return { requeueAfterMs };
  };

const reconcilers = (over: Partial<Record<Kind, Reconciler>>): Record<Kind, Reconciler> => ({
  LabManager: ready(),
  LibvirtNetwork: ready(),
  TripleOUndercloud: ready(),
  OvercloudNodeSet: ready(),
  ...over,
});

test("resyncs of 200 Managers with one interval spread over ±10 % of it", async () => {
  await withStates(async (states) => {
    const firsts = new Map<string, number>();
    const seconds = new Map<string, number>();
    const resyncMs = 1000;
    const seen = (name: string) => (firsts.has(name) ? seconds : firsts).set(name, Date.now());
    const m = new ControllerManager({
      reconcilers: reconcilers({ LabManager: ready(resyncMs, seen) }),
      states,
      log: pino({ level: "silent" }),
      workers: 50,
    });
    m.start();
    for (let i = 0; i < 200; i++) m.upsert(lm(`m${i}`), {});
    const deadline = Date.now() + 10_000;
    while (seconds.size < 200 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await m.stop();
    assert.equal(seconds.size, 200, "every Manager resynced");
    const gaps = [...seconds].map(([name, at]) => at - firsts.get(name)!);
    const min = Math.min(...gaps);
    const max = Math.max(...gaps);
    console.log(`# resync gaps ${min}..${max} ms for an interval of ${resyncMs} ms`);
    assert.ok(min >= 880, `no resync much earlier than -10 % (min ${min} ms)`);
    assert.ok(max - min >= 100, `resyncs spread out, not in lockstep (spread ${max - min} ms)`);
    const buckets = new Set(gaps.map((g) => Math.floor(g / 20)));
    assert.ok(buckets.size >= 5, `gaps fall into at least 5 different 20 ms buckets (${buckets.size})`);
  });
});

test("a TripleOUndercloud reconcile that takes all its workers never holds up a LabManager's", async () => {
  await withStates(async (states) => {
    let release!: () => void;
    const stuck = new Promise<void>((r) => (release = r));
    const managers: string[] = [];
    let guestRunning = false;
    const m = new ControllerManager({
      reconcilers: reconcilers({
        TripleOUndercloud: async () => {
          guestRunning = true;
          await stuck;
          return {};
        },
        LabManager: ready(undefined, (n) => managers.push(n)),
      }),
      states,
      log: pino({ level: "silent" }),
      workers: parseWorkerLimits("LabManager=1,TripleOUndercloud=1"),
    });
    m.start();
    m.upsert(undercloud, {});
    while (!guestRunning) await new Promise((r) => setTimeout(r, 5));
    for (const name of ["a", "b", "c"]) m.upsert(lm(name), {});
    const deadline = Date.now() + 3000;
    while (managers.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    release();
    await m.stop();
    assert.deepEqual(
      managers.sort(),
      ["a", "b", "c"],
      "every LabManager reconciled while the VM's run held its worker",
    );
  });
});

test("worker limits parse per kind and refuse nonsense", () => {
  assert.equal(parseWorkerLimits("4"), 4);
  assert.deepEqual(parseWorkerLimits("LabManager=8, TripleOUndercloud=1"), {
    LabManager: 8,
    TripleOUndercloud: 1,
  });
  assert.throws(() => parseWorkerLimits("Nope=1"), /KIND=N/);
  assert.throws(() => parseWorkerLimits("0"), /at least 1/);
});

test("deleting a LabManager waits while a network on it is still there, then cleans up", async () => {
  await withStates(async (states) => {
    const host = new MemoryHost();
    let releaseNetwork!: () => void;
    const networkGone = new Promise<void>((r) => (releaseNetwork = r));
    const m = new ControllerManager({
      reconcilers: reconcilers({
        LabManager: reconcilerFor(timezoneKind(host), noHosts),
        LibvirtNetwork: async (ctx) => {
          if (!ctx.entry.deleting) return {};
          await networkGone;
          return { deleted: true };
        },
      }),
      states,
      log: pino({ level: "silent" }),
    });
    m.start();
    m.upsert(manager("UTC", "repair"), {});
    m.upsert(network, {});
    while (host.timezone !== "UTC") await new Promise((r) => setTimeout(r, 5));
    m.remove(KEY);
    m.remove({ kind: "LibvirtNetwork", namespace: "default", name: "net" });
    const waiting = async () => (await states.load("LabManager", "default", "lab"))?.status.conditions;
    let conditions = await waiting();
    for (
      let i = 0;
      i < 200 && conditions?.find((c) => c.type === "Reconciling")?.reason !== "WaitingForDependents";
      i++
    ) {
      await new Promise((r) => setTimeout(r, 10));
      conditions = await waiting();
    }
    const reconciling = conditions?.find((c) => c.type === "Reconciling");
    assert.equal(reconciling?.reason, "WaitingForDependents");
    assert.match(reconciling?.message ?? "", /LibvirtNetwork net must be deleted first/);
    assert.equal(host.timezone, "UTC", "nothing of the Manager is torn down while the network is there");
    releaseNetwork();
    for (let i = 0; i < 300 && (await states.load("LabManager", "default", "lab")); i++)
      await new Promise((r) => setTimeout(r, 10));
    await m.stop();
    assert.equal(
      await states.load("LabManager", "default", "lab"),
      undefined,
      "the Manager's cleanup ran once the network was gone",
    );
    assert.equal(host.timezone, undefined);
  });
});
