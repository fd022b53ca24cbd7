import { CommandFailed } from "../remote/errors.js";
import type { RemoteHost } from "../remote/types.js";
import type { ReconcileContext } from "./contract.js";
import type { PlannedStep } from "./kind.js";
import { recordEvent, recordStep, type StepRecord } from "./state.js";

export interface ApplyInput {
  ctx: ReconcileContext;
  /** Where steps without a target of their own run, and the lock they take. */
  host: RemoteHost;
  lock: string;
  /** Told as each step starts (the lifecycle's phase and message). */
  onStepStarted(step: PlannedStep): void;
}

/**
 * Apply planned steps in order. Steps sharing a lock key (one writer per Manager) run under
 * it together; a step with a target of its own (a VM) takes that target's lock instead.
 * Ownership is recorded and checkpointed before a step that creates something runs, so a
 * crash in the middle still knows what is ours to clean up. Stops between steps when the
 * operator is stopping.
 */
export async function applySteps(input: ApplyInput, steps: PlannedStep[]): Promise<void> {
  for (const group of byLock(steps, input.lock)) {
    await input.ctx.hostLock.run(group.lock, async () => {
      for (const step of group.steps) {
        if (input.ctx.signal.aborted)
          throw new Error("operator stopping: remaining steps left for the next run");
        const host = step.on ? await step.on.host() : input.host;
        await runStep(input, host, step);
      }
    });
  }
}

function byLock(steps: PlannedStep[], lock: string): { lock: string; steps: PlannedStep[] }[] {
  const groups: { lock: string; steps: PlannedStep[] }[] = [];
  for (const step of steps) {
    const key = step.on?.lock ?? lock;
    const last = groups.at(-1);
    if (last?.lock === key) last.steps.push(step);
    else groups.push({ lock: key, steps: [step] });
  }
  return groups;
}

async function runStep(input: ApplyInput, host: RemoteHost, step: PlannedStep): Promise<void> {
  const { ctx } = input;
  const { state, log } = ctx;
  if (step.owns && !state.owned.some((o) => o.kind === step.owns!.kind && o.name === step.owns!.name)) {
    state.owned.push({ ...step.owns });
  }
  const startedAt = new Date();
  recordStep(state, { ...identity(step), startedAt: startedAt.toISOString(), result: "running" });
  input.onStepStarted(step);
  await ctx.checkpoint();
  log.info({ step: step.id, drift: step.drift }, `step started: ${step.description}`);
  ctx.emitStep({ step: step.id, description: step.description, result: "started", drift: step.drift });
  try {
    await step.apply({
      host,
      log: log.child({ step: step.id }),
      signal: ctx.signal,
      onProgress: (line) => log.debug({ step: step.id }, line),
    });
  } catch (err) {
    const error = (err as Error).message;
    recordStep(state, { ...finished(step, startedAt), result: "failed", error, ...commandFailure(err) });
    log.warn({ step: step.id, durationMs: elapsed(startedAt), error }, `step failed: ${step.description}`);
    ctx.emitStep({ ...identity(step), result: "failed", reason: (err as Error).name });
    throw err;
  }
  recordStep(state, { ...finished(step, startedAt), result: "done" });
  const released = step.releases;
  if (released)
    state.owned = state.owned.filter((o) => !(o.kind === released.kind && o.name === released.name));
  log.info({ step: step.id, durationMs: elapsed(startedAt) }, `step done: ${step.description}`);
  ctx.emitStep({ ...identity(step), result: "done", durationMs: elapsed(startedAt), drift: step.drift });
  if (step.drift) recordEvent(state, "Normal", "DriftRepaired", `drift repaired: ${step.drift}`);
  await ctx.checkpoint();
}

/** The purpose, exit and stderr tail (redacted as it arrived) of a failed remote command, for `labctl describe`. */
function commandFailure(err: unknown): Pick<StepRecord, "failure"> {
  if (!(err instanceof CommandFailed)) return {};
  const { purpose, exitCode, signal, stderrTail } = err;
  return { failure: { purpose, exitCode, stderrTail, ...(signal ? { signal } : {}) } };
}

function identity(step: PlannedStep) {
  return { step: step.id, description: step.description, drift: step.drift };
}

function finished(step: PlannedStep, startedAt: Date) {
  return {
    ...identity(step),
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    durationMs: elapsed(startedAt),
  };
}

function elapsed(since: Date): number {
  return Date.now() - since.getTime();
}
