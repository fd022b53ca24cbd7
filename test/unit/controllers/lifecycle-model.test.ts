/**
 * Model-based test of the lifecycle, through the real converge driver and the runtime's
 * per-key reconcile: random sequences of spec edits (each drift policy), hand changes on the
 * host, a failure in every phase (retryable or terminal), deletion and the manifest coming
 * back. After every reconcile the kstatus conditions must agree with each other and with the
 * generation; an edit must land under every policy; drift must be repaired, reported or
 * ignored as the policy says; and once faults stop, no state is a dead end.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import type { Condition } from "../../../src/api/index.js";
import type { ObjectState } from "../../../src/controllers/state.js";
import { getCondition } from "../../../src/machines/conditions.js";
import type { Reconciled } from "../../../src/runtime/reconcile-once.js";
import { Harness, manager, type FaultAt } from "./support.js";

type Policy = "repair" | "detect" | "ignore";

interface Model {
  present: boolean;
  timezone: string;
  policy: Policy;
  /** Generation as the runtime counts it: bumped when a present object's spec changes. */
  generation: number;
  /** The generation the host last matched; undefined before the first convergence. */
  converged?: number;
  /** The spec the saved state has last seen (generation bumps compare against it). */
  seenSpec?: string;
  fault: boolean;
  /** DriftRepaired events seen before the reconcile being checked. */
  repairsBefore: number;
  /** spec.suspend. */
  suspended: boolean;
}

const ZONES = ["UTC", "Europe/Paris", "America/Chicago"] as const;
const POLICIES = ["repair", "detect", "ignore"] as const;

function kstatusInvariants(state: ObjectState): void {
  const c = state.status.conditions;
  const is = (type: string) => getCondition(c, type)?.status === "True";
  const truths = [is("Ready"), is("Reconciling"), is("Stalled")].filter(Boolean).length;
  // Suspended keeps what was last known; an object never reconciled has Ready=Unknown.
  if (is("Suspended")) assert.ok(truths <= 1, `at most one of Ready/Reconciling/Stalled: ${show(c)}`);
  else assert.equal(truths, 1, `exactly one of Ready/Reconciling/Stalled is True: ${show(c)}`);
  if (is("Ready")) {
    assert.equal(
      state.status.observedGeneration,
      state.generation,
      "Ready=True only at the current generation",
    );
    assert.equal(getCondition(c, "Ready")?.observedGeneration, state.generation);
  }
  if (is("Stalled")) assert.equal(state.status.phase, "stalled");
  if (getCondition(c, "Drifted")) assert.ok(is("Ready"), "Drifted only beside Ready (driftPolicy detect)");
}

const show = (c: Condition[]) => c.map((x) => `${x.type}=${x.status}/${x.reason}`).join(" ");

/** What a fault-free reconcile of a present object must leave behind. */
async function checkConverged(h: Harness, m: Model, hostBefore: string | undefined): Promise<void> {
  const state = (await h.state())!;
  const ready = getCondition(state.status.conditions, "Ready");
  assert.equal(ready?.status, "True", `fault-free reconcile ends Ready: ${show(state.status.conditions)}`);
  const edited = m.converged !== m.generation;
  const drifted = !edited && hostBefore !== m.timezone;
  const repairs = state.events.filter((e) => e.reason === "DriftRepaired").length - m.repairsBefore;
  if (!drifted || m.policy === "repair")
    assert.equal(
      h.host.timezone,
      m.timezone,
      edited ? "a spec edit lands under every policy" : "drift repaired",
    );
  else assert.equal(h.host.timezone, hostBefore, `driftPolicy ${m.policy} changes nothing on the host`);
  assert.equal(
    repairs,
    drifted && m.policy === "repair" ? 1 : 0,
    "only drift under repair is a drift repair",
  );
  const detected = getCondition(state.status.conditions, "Drifted")?.status === "True";
  assert.equal(detected, drifted && m.policy === "detect", "Drifted is what detect reports, and only that");
  m.converged = m.generation;
}

class Edit implements fc.AsyncCommand<Model, Harness> {
  constructor(
    readonly timezone: string,
    readonly policy: Policy,
    readonly suspend = false,
  ) {}
  check = () => true;
  async run(m: Model, h: Harness): Promise<void> {
    h.cache.upsert(manager(this.timezone, this.policy, { suspend: this.suspend }), { file: "lab.yaml" });
    m.present = true;
    m.timezone = this.timezone;
    m.policy = this.policy;
    m.suspended = this.suspend;
  }
  toString = () => `edit(${this.timezone}, ${this.policy}${this.suspend ? ", suspend" : ""})`;
}

/** spec.suspend flipped, nothing else. */
class ToggleSuspend implements fc.AsyncCommand<Model, Harness> {
  check = (m: Readonly<Model>) => m.present;
  async run(m: Model, h: Harness): Promise<void> {
    await new Edit(m.timezone, m.policy, !m.suspended).run(m, h);
  }
  toString = () => "toggle-suspend";
}

class DriftByHand implements fc.AsyncCommand<Model, Harness> {
  constructor(readonly timezone: string) {}
  check = () => true;
  async run(_m: Model, h: Harness): Promise<void> {
    if (h.host.timezone !== undefined) h.host.timezone = this.timezone;
  }
  toString = () => `drift(${this.timezone})`;
}

class Delete implements fc.AsyncCommand<Model, Harness> {
  check = (m: Readonly<Model>) => m.present;
  async run(m: Model, h: Harness): Promise<void> {
    h.cache.markDeleting({ kind: "LabManager", namespace: "default", name: "lab" });
    m.present = false;
  }
  toString = () => "delete";
}

/** The manifest comes back as it was (restored from version control). */
class Restore implements fc.AsyncCommand<Model, Harness> {
  check = (m: Readonly<Model>) => !m.present;
  async run(m: Model, h: Harness): Promise<void> {
    await new Edit(m.timezone, m.policy, m.suspended).run(m, h);
  }
  toString = () => "restore";
}

class Fault implements fc.AsyncCommand<Model, Harness> {
  constructor(
    readonly at: FaultAt,
    readonly terminal: boolean,
  ) {}
  check = () => true;
  async run(m: Model, h: Harness): Promise<void> {
    h.host.fault = { at: this.at, terminal: this.terminal };
    m.fault = true;
  }
  toString = () => `fault(${this.at}${this.terminal ? ", terminal" : ""})`;
}

class Reconcile implements fc.AsyncCommand<Model, Harness> {
  check = () => true;
  async run(m: Model, h: Harness): Promise<void> {
    const entry = h.entry();
    if (!entry) return;
    const hostBefore = h.host.timezone;
    const spec = JSON.stringify(entry.object.spec);
    if (!entry.deleting && spec !== m.seenSpec) {
      m.generation += 1;
      m.seenSpec = spec;
    }
    m.repairsBefore = (await h.state())?.events.filter((e) => e.reason === "DriftRepaired").length ?? 0;
    // Cleanup may have removed things already: after a deletion began, nothing is converged.
    if (entry.deleting) m.converged = undefined;
    const faultArmed = h.host.fault !== undefined;
    const done = (await h.reconcile())!;
    const faulted = faultArmed && h.host.fault === undefined;
    m.fault = h.host.fault !== undefined;
    if (entry.deleting) return this.afterDelete(m, h, done, faulted);
    const state = (await h.state())!;
    assert.equal(state.generation, m.generation, "the runtime counts generations as the model does");
    kstatusInvariants(state);
    if (m.suspended) return this.afterSuspended(state, h, hostBefore);
    if (faulted) return this.afterFailure(state, done);
    await checkConverged(h, m, hostBefore);
    assert.equal(done.outcome, "ok");
  }

  private afterSuspended(state: ObjectState, h: Harness, hostBefore: string | undefined): void {
    assert.equal(state.status.phase, "suspended");
    assert.equal(getCondition(state.status.conditions, "Suspended")?.status, "True");
    assert.equal(h.host.timezone, hostBefore, "a suspended object changes nothing on its host");
  }

  private afterFailure(state: ObjectState, done: Reconciled): void {
    assert.equal(done.outcome, "error");
    assert.notEqual(
      getCondition(state.status.conditions, "Ready")?.status,
      "True",
      "a failed reconcile is not Ready",
    );
    const stalled = getCondition(state.status.conditions, "Stalled")?.status === "True";
    // Terminal failures wait for the resync (or a change), never retry with backoff.
    assert.equal(done.next.retry, stalled ? "after" : "backoff");
  }

  private async afterDelete(m: Model, h: Harness, done: Reconciled, faulted: boolean): Promise<void> {
    if (faulted) {
      assert.equal(done.deleted, false);
      const state = (await h.state())!;
      kstatusInvariants(state);
      return;
    }
    assert.equal(done.deleted, true, "a fault-free cleanup finishes");
    assert.equal(await h.state(), undefined, "its state is forgotten");
    assert.equal(h.host.timezone, undefined, "what it created is gone");
    Object.assign(m, { generation: 0, converged: undefined, seenSpec: undefined });
  }
  toString = () => "reconcile";
}

const commands = [
  fc.tuple(fc.constantFrom(...ZONES), fc.constantFrom(...POLICIES)).map(([z, p]) => new Edit(z, p)),
  fc.constantFrom(...ZONES).map((z) => new DriftByHand(z)),
  fc.constant(new Delete()),
  fc.constant(new Restore()),
  fc.constant(new ToggleSuspend()),
  fc
    .tuple(fc.constantFrom<FaultAt>("connect", "observe", "apply", "ineffective", "cleanup"), fc.boolean())
    .map(([at, terminal]) => new Fault(at, terminal)),
  // A cleanup failing halfway is the path that used to end in a dead end: make it common.
  fc.constant(new Fault("cleanup", false)),
  fc.constant(new Reconcile()),
  fc.constant(new Reconcile()),
];

test("the lifecycle has no dead end and follows kstatus, whatever happens in whatever order", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...ZONES),
      fc.constantFrom(...POLICIES),
      fc.commands(commands, { maxCommands: 40 }),
      async (zone, policy, cmds) => {
        const h = new Harness();
        const m: Model = {
          suspended: false,
          present: false,
          timezone: zone,
          policy,
          generation: 0,
          fault: false,
          repairsBefore: 0,
        };
        await new Edit(zone, policy).run(m, h);
        await fc.asyncModelRun(() => ({ model: m, real: h }), cmds);
        // Faults stop: from wherever it is, the object gets where its desired state says.
        h.host.fault = undefined;
        m.fault = false;
        for (let i = 0; i < 3 && h.entry(); i++) await new Reconcile().run(m, h);
        const state = await h.state();
        if (!m.present) {
          assert.equal(h.entry(), undefined, "a deleted object's cleanup finishes");
          return;
        }
        if (!m.suspended)
          assert.equal(getCondition(state!.status.conditions, "Ready")?.status, "True", "ends Ready");
        // And a last edit lands, whatever the policy.
        const next = ZONES.find((z) => z !== m.timezone)!;
        await new Edit(next, m.policy).run(m, h);
        await new Reconcile().run(m, h);
        assert.equal(h.host.timezone, next);
      },
    ),
    { numRuns: 500 },
  );
});
