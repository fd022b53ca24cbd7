import {
  durationMs,
  keyString,
  managerOf,
  managerRefOf,
  Reason,
  reconcileRequestOf,
  suspendedBy,
  type LabObject,
} from "../api/index.js";
import {
  advance,
  decide,
  restoreLifecycle,
  type LifecycleRecord,
  type Outcome,
} from "../machines/lifecycle.js";
import { classify, Refused } from "../util/errors.js";
import { applySteps } from "./apply.js";
import {
  reported,
  type Failure,
  type ReconcileContext,
  type ReconcileResult,
  type Reconciler,
} from "./contract.js";
import { dependentsStillThere, managerForCleanup, resolveDependencies } from "./dependencies.js";
import { NotConverged } from "./errors.js";
import type { HostAccess } from "./hostaccess.js";
import type { KindController, KindInput, PlannedStep, Work } from "./kind.js";
import { reportLifecycle, reportPlan, reportPlannedSteps, setAspect } from "./report.js";
import { recordEvent } from "./state.js";

/** A staged plan (Plan.staged) is applied in at most this many rounds of one reconcile. */
const MAX_STAGES = 3;

/** How soon to look again while a dependency is not Ready (or dependents are not gone). */
export const DEPENDENCY_REQUEUE_MS = 10_000;

/** The reconciler of a kind: the same beats for every kind, the kind's description for the rest. */
export function reconcilerFor<O extends LabObject>(kind: KindController<O>, hosts: HostAccess): Reconciler {
  return (ctx) => new Reconcile(kind, hosts, ctx).run();
}

/**
 * One reconcile, read top to bottom: dependencies → connect → observe and plan → (plan mode:
 * stop) → decide (drift is what changed on the host while the spec did not) → apply →
 * re-observe to verify → report. Deletion: wait for dependents → clean up what is ours on
 * the Manager → forget. Whatever happens, the status is written once, at the end.
 */
class Reconcile<O extends LabObject> {
  private record: LifecycleRecord;
  private readonly object: O;

  constructor(
    private readonly kind: KindController<O>,
    private readonly hosts: HostAccess,
    private readonly ctx: ReconcileContext,
  ) {
    const { state } = ctx;
    this.record = restoreLifecycle(state.lifecycle ?? state.machine, state.status.observedGeneration);
    this.object = ctx.entry.object as O;
  }

  async run(): Promise<ReconcileResult> {
    try {
      return this.ctx.entry.deleting ? await this.remove() : await this.converge();
    } catch (err) {
      return this.failed(err);
    } finally {
      reportLifecycle(this.ctx.state, this.record);
      const request = reconcileRequestOf(this.object);
      if (request !== undefined) this.ctx.state.status.lastHandledReconcileAt = request;
    }
  }

  private async converge(): Promise<ReconcileResult> {
    const suspended = suspendedBy(this.object);
    if (suspended) return this.suspend(suspended);
    this.refuseMove();
    const deps = await resolveDependencies(this.ctx, this.kind.dependsOn(this.object));
    if (!deps.ready) return this.wait(deps.message);
    const work = await this.kind.converge(this.input(deps.objects));
    this.connected(work);
    const current = this.record.convergedGeneration === this.ctx.state.generation;
    const plan = await work.plan({ current });
    reportPlan(this.ctx.state, this.kind.aspects, plan);
    const decision = decide({ ...this.policy(), steps: plan.steps, current, mutate: this.ctx.mutate });
    switch (decision.action) {
      case "show":
        this.note({ type: "Planned", steps: plan.steps.length });
        return {};
      case "report":
        for (const d of decision.drift)
          recordEvent(this.ctx.state, "Warning", Reason.DriftDetected, `drift detected, not repaired: ${d}`);
        this.note({ type: "Drifted", generation: this.ctx.state.generation, drift: decision.drift });
        return this.resync();
      case "none":
      case "ignore":
        this.place();
        this.note({ type: "Converged", generation: this.ctx.state.generation });
        return this.resync();
      case "apply":
        await this.applyAndVerify(work, labelled(plan.steps, current), plan.staged);
        return this.resync();
    }
  }

  private async applyAndVerify(work: Work, steps: PlannedStep[], staged = false): Promise<void> {
    await this.apply(work, steps);
    let after = await work.plan({ current: false });
    // A staged plan continues with what its first stage made possible (a few stages at most).
    for (let stage = 1; staged && after.steps.length > 0 && stage < MAX_STAGES; stage++) {
      staged = after.staged ?? false;
      await this.apply(work, after.steps);
      after = await work.plan({ current: false });
    }
    reportPlan(this.ctx.state, this.kind.aspects, after);
    if (after.steps.length > 0) throw new NotConverged(after.steps.map((s) => s.id));
    const message = after.converged ?? `${this.kind.noun(this.object)} converged to the spec`;
    recordEvent(this.ctx.state, "Normal", Reason.Converged, message);
    this.note({ type: "Converged", generation: this.ctx.state.generation });
  }

  private async remove(): Promise<ReconcileResult> {
    this.note({ type: "Deleting", message: `cleaning up what ${this.kind.noun(this.object)} created` });
    // What converging planned is not what cleanup will do: nothing, until cleanup plans.
    reportPlannedSteps(this.ctx.state, []);
    if (this.object.spec.deletionPolicy === "Orphan") return await this.forget();
    const waitingFor = await dependentsStillThere(this.ctx, this.object);
    if (waitingFor.length > 0) {
      const names = waitingFor.map((k) => `${k.kind} ${k.name}`).join(", ");
      this.note({
        type: "Deleting",
        reason: "WaitingForDependents",
        message: `${names} must be deleted first`,
      });
      return { requeueAfterMs: DEPENDENCY_REQUEUE_MS };
    }
    const manager = await managerForCleanup(this.ctx, this.object);
    if (!manager) {
      const message = `LabManager ${this.placement()} is unknown: ${this.kind.noun(this.object)} left in place`;
      recordEvent(this.ctx.state, "Warning", "ManagerGone", message);
      return await this.forget();
    }
    const work = await this.kind.cleanup(this.input(new Map()), manager);
    if (!work) return await this.forget();
    const plan = await work.plan({ current: false });
    if (plan.leftAlone) recordEvent(this.ctx.state, "Warning", Reason.Conflict, plan.leftAlone);
    reportPlannedSteps(this.ctx.state, plan.steps);
    if (!this.ctx.mutate) return {};
    await this.apply(work, plan.steps, managerOf(manager));
    return await this.forget();
  }

  private async apply(work: Work, steps: PlannedStep[], lock = managerOf(this.object)): Promise<void> {
    if (!this.ctx.mutate || steps.length === 0) return;
    if (!this.ctx.entry.deleting) this.place();
    try {
      await applySteps(
        {
          ctx: this.ctx,
          host: work.host,
          lock,
          onStepStarted: (step) =>
            this.note({ type: "StepStarted", step: step.id, description: step.description }),
        },
        steps,
      );
    } finally {
      await work.afterApply?.();
    }
  }

  private failed(err: unknown): never {
    const failure: Failure = classify(err);
    const { name } = err as Error;
    if (
      name === "Unreachable" ||
      name === "HostKeyChanged" ||
      name === "AuthFailed" ||
      name === "HostKeyUnknown"
    )
      setAspect(this.ctx.state, "Reachable", false, failure.reason, failure.message);
    this.ctx.log.warn(
      { err: failure.message, reason: failure.reason, retryable: failure.retryable },
      failure.retryable
        ? "reconcile failed; retrying with backoff"
        : "reconcile failed; waiting for the spec or the host to change",
    );
    recordEvent(this.ctx.state, "Warning", failure.reason, failure.message);
    this.note({ type: "Failed", ...failure });
    throw reported(err instanceof Error ? err : new Error(String(err)), this.resync().requeueAfterMs!);
  }

  private connected(work: Work): void {
    setAspect(this.ctx.state, "Reachable", true, "Connected", `connected to ${work.host.id}`);
    if (work.fingerprint) this.ctx.state.status.hostKeyFingerprint = work.fingerprint;
  }

  /** Not reconciled, drift not repaired, until resumed (an edit or resume enqueues it). */
  private suspend(why: string): ReconcileResult {
    if (this.record.phase !== "suspended")
      recordEvent(this.ctx.state, "Normal", "Suspended", `reconciliation suspended: ${why}`);
    this.note({ type: "Suspended", message: `${why}: not reconciled and drift not repaired until resumed` });
    return {};
  }

  private wait(message: string): ReconcileResult {
    this.note({ type: "Waiting", message });
    return { requeueAfterMs: DEPENDENCY_REQUEUE_MS };
  }

  /** Cleanup done: the workspace forgets the object too (its secrets are kept when orphaned). */
  private async forget(): Promise<ReconcileResult> {
    if (this.ctx.mutate)
      await this.hosts.forget(this.object, { keepSecrets: this.object.spec.deletionPolicy === "Orphan" });
    this.note({ type: "Cleaned" });
    return { deleted: true };
  }

  /** The Manager this object's effects are on: where it was placed, else where its spec says. */
  private placement(): string {
    return this.ctx.state.placedOn ?? managerRefOf(this.object).name;
  }

  private place(): void {
    if (this.ctx.mutate && this.object.kind !== "LabManager") this.ctx.state.placedOn ??= this.placement();
  }

  /**
   * Moving an object to another Manager would delete it on the first (a VM, its disk): not
   * done on an edit. The condition says how: change it back, or delete and create again.
   */
  private refuseMove(): void {
    const placed = this.ctx.state.placedOn;
    const wanted = managerRefOf(this.object).name;
    if (placed === undefined || placed === wanted || this.object.kind === "LabManager") return;
    throw new Refused(
      "ManagerRefImmutable",
      `spec.managerRef changed from ${placed} to ${wanted} after this ${this.kind.noun(this.object)} was made on LabManager ${placed}: it is not moved (that would delete it there); set spec.managerRef back to ${placed}, or delete the object and create it again`,
    );
  }

  private note(outcome: Outcome): void {
    this.record = advance(this.record, outcome);
    this.ctx.state.status.phase = this.record.phase;
  }

  private resync(): ReconcileResult {
    return { requeueAfterMs: durationMs(this.object.spec.resyncInterval) };
  }

  private policy() {
    return { driftPolicy: this.object.spec.driftPolicy };
  }

  private input(dependencies: ReadonlyMap<string, LabObject>): KindInput<O> {
    const { ctx } = this;
    return {
      object: this.object,
      dependencies,
      state: ctx.state,
      hosts: this.hosts,
      objects: ctx.cache,
      log: ctx.log,
      checkpoint: () => ctx.checkpoint(),
      readyObject: async (key) => {
        const resolved = await resolveDependencies(ctx, [key]);
        if (!resolved.ready) return undefined;
        const state = await ctx.states.load(key.kind, key.namespace, key.name);
        return { object: resolved.objects.get(keyString(key))!, status: state?.status ?? {} };
      },
    };
  }
}

/**
 * At the generation the host last matched, every step repairs drift (except work that only
 * waited for another object); otherwise none does.
 */
function labelled(steps: PlannedStep[], current: boolean): PlannedStep[] {
  return steps.map((s) => {
    const { drift: _drift, ...step } = s;
    return current && !s.awaited ? { ...step, drift: s.drift ?? s.description } : step;
  });
}
