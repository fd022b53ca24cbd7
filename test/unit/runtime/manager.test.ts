import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { labManager, libvirtNetwork, type Kind, type LabObject } from "../../../src/api/index.js";
import { isTrue, markReady, markReconciling } from "../../../src/machines/conditions.js";
import { FileStateStore } from "../../../src/modes/file/filestate.js";
import { ControllerManager } from "../../../src/runtime/manager.js";
import { dependency, type ReconcileContext, type Reconciler } from "../../../src/controllers/contract.js";
import { waitForSettled } from "../../../src/runtime/settle.js";
import { resolveDependencies } from "../../../src/controllers/dependencies.js";
import { emptyState } from "../../../src/controllers/state.js";

const lm = (name: string, address = "10.0.0.1") =>
  labManager.parse({
    apiVersion: "openstacklab.io/v1alpha1",
    kind: "LabManager",
    metadata: { name },
    spec: { address },
  });
const net = (name: string, manager: string) =>
  libvirtNetwork.parse({
    apiVersion: "openstacklab.io/v1alpha1",
    kind: "LibvirtNetwork",
    metadata: { name },
    spec: { managerRef: { name: manager }, mode: "isolated", bridge: `br-${name}` },
  });

/** What a reconciler reports when the host matches the spec: Ready at this generation. */
function markConverged(ctx: ReconcileContext): void {
  ctx.state.status.conditions = markReady(
    ctx.state.status.conditions,
    "Converged",
    "ok",
    ctx.state.generation,
  );
  ctx.state.status.observedGeneration = ctx.state.generation;
}

/** Reconcilers that only touch status: the runtime's behaviour without any host. */
function harness(behaviour: Partial<Record<Kind, Reconciler>> = {}) {
  const calls: string[] = [];
  const ready: Reconciler = async (ctx) => {
    calls.push(`${ctx.key.kind}/${ctx.key.name}${ctx.entry.deleting ? " delete" : ""}`);
    if (ctx.entry.deleting) return { deleted: true };
    markConverged(ctx);
    return {};
  };
  const waitsForManager: Reconciler = async (ctx) => {
    calls.push(`${ctx.key.kind}/${ctx.key.name}`);
    const o = ctx.entry.object as LabObject & { spec: { managerRef: { name: string } } };
    const dep = await dependency(ctx, {
      kind: "LabManager",
      namespace: "default",
      name: o.spec.managerRef.name,
    });
    if (!dep || !isTrue(dep.state?.status.conditions, "Ready")) {
      ctx.state.status.conditions = markReconciling(
        ctx.state.status.conditions,
        "WaitingForDependency",
        "manager",
        ctx.state.generation,
      );
      return {};
    }
    return ready(ctx);
  };
  return {
    calls,
    reconcilers: {
      LabManager: ready,
      LibvirtNetwork: waitsForManager,
      TripleOUndercloud: ready,
      OvercloudNodeSet: ready,
      ...behaviour,
    },
  };
}

/** Poll until read() gives a value (the machine may be busy), at most 5 s. */
async function eventually<T>(read: () => Promise<T | undefined>): Promise<T | undefined> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const value = await read();
    if (value !== undefined || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function withManager(
  behaviour: Partial<Record<Kind, Reconciler>>,
  fn: (m: ControllerManager, states: FileStateStore, calls: string[]) => Promise<void>,
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "labmgr-"));
  const states = new FileStateStore(dir);
  const h = harness(behaviour);
  const m = new ControllerManager({
    reconcilers: h.reconcilers,
    states,
    log: pino({ level: "silent" }),
    workers: 2,
  });
  m.start();
  try {
    await fn(m, states, h.calls);
  } finally {
    await m.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

test("a network waits for its Manager and is re-queued when the Manager becomes Ready", async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const slowManager: Reconciler = async (ctx) => {
    await gate;
    markConverged(ctx);
    return {};
  };
  await withManager({ LabManager: slowManager }, async (m, states, calls) => {
    m.upsert(net("n1", "lab"), {});
    m.upsert(lm("lab"), {});
    const settled = waitForSettled(m, states, { timeoutMs: 10_000 });
    try {
      const waiting = await eventually(async () => {
        const s = await states.load("LibvirtNetwork", "default", "n1");
        return s?.status.conditions.find((c) => c.type === "Ready")?.reason;
      });
      assert.equal(waiting, "WaitingForDependency");
    } finally {
      release();
    }
    const outcome = await settled;
    assert.ok(
      outcome.ok,
      calls.join(",") + JSON.stringify(outcome.notReady.map((s) => [s.name, s.status.conditions])),
    );
    assert.ok(calls.filter((c) => c === "LibvirtNetwork/n1").length >= 2, calls.join(", "));
  });
});

test("an unchanged spec does not re-queue; a changed one bumps the generation", async () => {
  await withManager({}, async (m, states, calls) => {
    m.upsert(lm("lab"), {});
    await waitForSettled(m, states, { timeoutMs: 3000 });
    m.upsert(lm("lab"), {});
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(calls.length, 1, calls.join(", "));
    m.upsert(lm("lab", "10.0.0.2"), {});
    await waitForSettled(m, states, { timeoutMs: 3000 });
    const s = await states.load("LabManager", "default", "lab");
    assert.equal(s?.generation, 2);
    assert.equal(s?.status.observedGeneration, 2);
  });
});

test("a network added or removed later re-queues its Manager (its bridges feed bridge.conf)", async () => {
  await withManager({}, async (m, states, calls) => {
    m.upsert(lm("lab"), {});
    await waitForSettled(m, states, { timeoutMs: 3000 });
    const managerPasses = () => calls.filter((c) => c === "LabManager/lab").length;
    assert.equal(managerPasses(), 1);

    m.upsert(net("n1", "lab"), {});
    await waitForSettled(m, states, { timeoutMs: 3000 });
    assert.equal(await eventually(async () => (managerPasses() === 2 ? 2 : undefined)), 2, calls.join(", "));

    m.remove({ kind: "LibvirtNetwork", namespace: "default", name: "n1" });
    const third = await eventually(async () => (managerPasses() === 3 ? 3 : undefined));
    assert.equal(third, 3, calls.join(", "));
    assert.ok(calls.includes("LibvirtNetwork/n1 delete"), calls.join(", "));
  });
});

test("invalid input keeps the last good object and says why in InputValid", async () => {
  await withManager({}, async (m, states) => {
    m.upsert(lm("lab"), {});
    await waitForSettled(m, states, { timeoutMs: 3000 });
    m.invalid({ kind: "LabManager", namespace: "default", name: "lab" }, [
      "f.yaml:1 LabManager/lab spec.address: bad",
    ]);
    const input = await eventually(async () =>
      (await states.load("LabManager", "default", "lab"))?.status.conditions.find(
        (c) => c.type === "InputValid",
      ),
    );
    const s = await states.load("LabManager", "default", "lab");
    assert.equal(input?.status, "False");
    assert.match(input?.message ?? "", /spec\.address: bad/);
    assert.equal((s?.lastGoodObject?.spec as { address: string }).address, "10.0.0.1");
  });
});

test("stop() returns only after invalid input for an object known from saved state only is written", async () => {
  // A file that breaks before the object was seen valid in this process reports into saved
  // state in the background; stopping must wait for it (CI saw the directory removed under it).
  const dir = await mkdtemp(join(tmpdir(), "labmgr-"));
  const states = new FileStateStore(dir);
  const m = new ControllerManager({
    reconcilers: harness().reconcilers,
    states,
    log: pino({ level: "silent" }),
  });
  try {
    const names = Array.from({ length: 20 }, (_, i) => `net-${i}`);
    for (const name of names) {
      m.invalid({ kind: "LibvirtNetwork", namespace: "default", name }, [`f.yaml:1 ${name}: bad`]);
    }
    await m.stop();
    for (const name of names) {
      const s = await states.load("LibvirtNetwork", "default", name);
      const input = s?.status.conditions.find((c) => c.type === "InputValid");
      assert.equal(input?.status, "False", `${name} was reported before stop() returned`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("a long list of input errors is summarized in InputValid, not pasted whole", async () => {
  await withManager({}, async (m, states) => {
    m.upsert(lm("lab"), {});
    await waitForSettled(m, states, { timeoutMs: 3000 });
    const errors = Array.from({ length: 7 }, (_, i) => `f.yaml:1 LabManager/lab spec.bridges.${i}.name: bad`);
    m.invalid({ kind: "LabManager", namespace: "default", name: "lab" }, errors);
    const message = await eventually(
      async () =>
        (await states.load("LabManager", "default", "lab"))?.status.conditions.find(
          (c) => c.type === "InputValid",
        )?.message,
    );
    assert.match(
      message ?? "",
      /spec\.bridges\.4\.name: bad; and 2 more \(labctl validate lists them all\)$/,
    );
    assert.doesNotMatch(message ?? "", /bridges\.5/);
  });
});

test("a failing reconcile is retried with backoff and its error recorded", async () => {
  let attempts = 0;
  const flaky: Reconciler = async (ctx: ReconcileContext) => {
    attempts += 1;
    if (attempts < 3) throw Object.assign(new Error("connection reset"), { name: "Unreachable" });
    markConverged(ctx);
    return {};
  };
  await withManager({ LabManager: flaky }, async (m, states) => {
    m.upsert(lm("lab"), {});
    const outcome = await waitForSettled(m, states, { timeoutMs: 10_000 });
    assert.ok(outcome.ok);
    assert.equal(attempts, 3);
    const s = await states.load("LabManager", "default", "lab");
    assert.ok(
      s?.events.some((e) => e.reason === "Unreachable" && e.count === 2),
      JSON.stringify(s?.events),
    );
  });
});

test("removing an object runs its deletion and forgets its state", async () => {
  await withManager({}, async (m, states, calls) => {
    m.upsert(lm("lab"), {});
    await waitForSettled(m, states, { timeoutMs: 3000 });
    m.remove({ kind: "LabManager", namespace: "default", name: "lab" });
    const outcome = await waitForSettled(m, states, { timeoutMs: 3000 });
    assert.ok(outcome.ok);
    assert.ok(calls.includes("LabManager/lab delete"));
    assert.equal(await states.load("LabManager", "default", "lab"), undefined);
  });
});

test("a Manager's Ready saved by an earlier run counts only once this run has reconciled it", async () => {
  // The workspace outlived its Manager (a sandbox replaced): the saved Ready is stale. A
  // dependent that trusted it would act on a host nobody has looked at in this run.
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const events: string[] = [];
  const manager: Reconciler = async (ctx) => {
    await gate;
    events.push("manager reconciled");
    markConverged(ctx);
    return {};
  };
  const network: Reconciler = async (ctx) => {
    const deps = await resolveDependencies(ctx, [{ kind: "LabManager", namespace: "default", name: "lab" }]);
    if (!deps.ready) {
      events.push(`network waits: ${deps.message}`);
      ctx.state.status.conditions = markReconciling(
        ctx.state.status.conditions,
        "WaitingForDependency",
        deps.message,
        ctx.state.generation,
      );
      return {}; // no requeue of its own: only the Manager's first report may wake it
    }
    events.push("network proceeds");
    markConverged(ctx);
    return {};
  };
  await withManager({ LabManager: manager, LibvirtNetwork: network }, async (m, states) => {
    const saved = emptyState("LabManager", "default", "lab");
    saved.status.conditions = markReady([], "Converged", "ok", 1);
    await states.save(saved);
    m.upsert(lm("lab"), {});
    m.upsert(net("n1", "lab"), {});
    try {
      const waited = await eventually(async () => events.find((e) => e.startsWith("network waits")));
      assert.equal(
        waited,
        "network waits: waiting for LabManager lab's first reconcile since the operator started",
      );
      assert.ok(!events.includes("network proceeds"), events.join("; "));
    } finally {
      release();
    }
    // Well inside the dependency requeue (10 s): the Manager's first report re-queued it.
    const outcome = await waitForSettled(m, states, { timeoutMs: 5000 });
    assert.ok(outcome.ok, events.join("; "));
    assert.deepEqual(events.slice(-2), ["manager reconciled", "network proceeds"]);
  });
});
