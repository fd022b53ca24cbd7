import type { Step, StepContext } from "../types.js";
import { planGuest, type GuestFiles } from "./guest.js";
import type { RenderedProfile } from "./profile.js";
import { withPhase, type Stamp } from "./stamp.js";
import { journalStep } from "./steps.js";

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
 * Run the guest phases not yet journaled, journaling each as soon as all its steps are
 * done, so a crash resumes at the first unfinished phase. Returns the final stamp.
 */
export async function applyGuestPlan(run: GuestRun): Promise<Stamp> {
  let stamp = run.stamp;
  let times = run.times;
  for (const { phase, steps } of planGuest(run.rendered, stamp.journal, run.files)) {
    for (const step of steps) {
      run.onStep?.(phase, step);
      await step.apply(run.guest);
    }
    stamp = { ...stamp, journal: withPhase(stamp.journal, phase) };
    const at = run.now();
    await journalStep(run.domain, stamp, times, () => at).apply(run.manager);
    times = { ...times, [phase]: at };
  }
  return stamp;
}
