import type { Step, StepContext } from "../types.js";
import { planGuest, type GuestFiles } from "./guest.js";
import type { RenderedProfile } from "./profile.js";
import { journaled, withoutPhasesFrom, type Stamp } from "./stamp.js";
import { dropStep, journalStep } from "./steps.js";

export interface GuestRun {
  /** Steps on the VM run here (a HostPool.jump host). */
  guest: StepContext;
  /** The journal is written here (the Manager: virsh metadata). */
  manager: StepContext;
  domain: string;
  /** The stamp as observed; the journal grows from it. */
  stamp: Stamp;
  times: Record<string, string>;
  rendered: RenderedProfile;
  files: GuestFiles;
  now: () => string;
  /** Called before each step (logging, plan output). */
  onStep?: (phase: string, step: Step) => void;
}

/**
 * Run the guest phases not yet journaled (or whose input changed), journaling each with its
 * input hash as soon as all its steps are done, so a crash resumes at the first unfinished
 * phase. A changed phase and the later ones are dropped from the journal first. Returns the
 * final stamp.
 */
export async function applyGuestPlan(run: GuestRun): Promise<Stamp> {
  let stamp = run.stamp;
  let times = run.times;
  const { phases } = planGuest(run.rendered, stamp, run.files);
  if (phases[0]) {
    const dropped = withoutPhasesFrom(stamp, phases[0].phase);
    if (dropped.journal.length !== stamp.journal.length) {
      await dropStep(run.domain, dropped, times).apply(run.manager);
      stamp = dropped;
    }
  }
  for (const { phase, steps, input } of phases) {
    for (const step of steps) {
      run.onStep?.(phase, step);
      await step.apply(run.guest);
    }
    stamp = journaled(stamp, phase, input);
    const at = run.now();
    await journalStep(run.domain, stamp, times, () => at).apply(run.manager);
    times = { ...times, [phase]: at };
  }
  return stamp;
}
