import type { Lifecycle } from "../machines/lifecycle-actor.js";
import type { RemoteHost } from "../remote/types.js";
import type { ReconcileContext } from "../runtime/reconciler.js";
import { recordEvent, recordStep, type StepRecord } from "../runtime/state.js";
import { CommandFailed } from "../remote/errors.js";
import type { Step } from "../steps/types.js";

/**
 * Apply planned steps in order on one host, one writer per Manager. Ownership is recorded
 * and checkpointed before a step that creates something runs, so a crash in the middle
 * still knows what is ours to clean up. Stops between steps when the operator is stopping.
 */
export async function applySteps(
  ctx: ReconcileContext,
  lifecycle: Lifecycle,
  host: RemoteHost,
  steps: Step[],
  managerKey: string,
): Promise<void> {
  await ctx.hostLock.run(managerKey, async () => {
    for (const step of steps) {
      if (ctx.signal.aborted) throw new Error("operator stopping: remaining steps left for the next run");
      await runStep(ctx, lifecycle, host, step);
    }
  });
}

async function runStep(
  ctx: ReconcileContext,
  lifecycle: Lifecycle,
  host: RemoteHost,
  step: Step,
): Promise<void> {
  const { state, log } = ctx;
  if (step.owns && !state.owned.some((o) => o.kind === step.owns!.kind && o.name === step.owns!.name)) {
    state.owned.push({ ...step.owns });
  }
  const startedAt = new Date();
  recordStep(state, {
    step: step.id,
    description: step.description,
    startedAt: startedAt.toISOString(),
    result: "running",
    drift: step.drift,
  });
  lifecycle.send({ type: "STEP_STARTED", step: step.id, description: step.description });
  state.status.phase = lifecycle.phase;
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
    log.warn(
      { step: step.id, durationMs: Date.now() - startedAt.getTime(), error },
      `step failed: ${step.description}`,
    );
    ctx.emitStep({
      step: step.id,
      description: step.description,
      result: "failed",
      reason: (err as Error).name,
    });
    throw err;
  }
  recordStep(state, { ...finished(step, startedAt), result: "done" });
  lifecycle.send({ type: "STEP_DONE", step: step.id });
  log.info({ step: step.id, durationMs: Date.now() - startedAt.getTime() }, `step done: ${step.description}`);
  ctx.emitStep({
    step: step.id,
    description: step.description,
    result: "done",
    durationMs: Date.now() - startedAt.getTime(),
    drift: step.drift,
  });
  if (step.drift) recordEvent(state, "Normal", "DriftRepaired", `drift repaired: ${step.drift}`);
  await ctx.checkpoint();
}

/** The purpose, exit and redacted stderr tail of a failed remote command, for `labctl describe`. */
function commandFailure(err: unknown): Pick<StepRecord, "failure"> {
  if (!(err instanceof CommandFailed)) return {};
  const { purpose, exitCode, signal, stderrTail } = err;
  return { failure: { purpose, exitCode, stderrTail, ...(signal ? { signal } : {}) } };
}

function finished(step: Step, startedAt: Date) {
  return {
    step: step.id,
    description: step.description,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    durationMs: Date.now() - startedAt.getTime(),
    drift: step.drift,
  };
}
