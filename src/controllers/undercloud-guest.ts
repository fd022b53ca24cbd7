import type { LabManager, TripleOUndercloud } from "../api/index.js";
import type { Lifecycle } from "../machines/lifecycle-actor.js";
import type { RemoteHost } from "../remote/types.js";
import { managerOf } from "../runtime/dependencies.js";
import type { ReconcileContext } from "../runtime/reconciler.js";
import { recordEvent } from "../runtime/state.js";
import type { Step } from "../steps/types.js";
import { fetchGuestFiles, guestTarget, planGuest, type GuestFiles } from "../steps/undercloud/guest.js";
import { observeUndercloud } from "../steps/undercloud/observe.js";
import type { UndercloudDesired } from "../steps/undercloud/plan.js";
import type { RenderedProfile } from "../steps/undercloud/profile.js";
import { withPhase } from "../steps/undercloud/stamp.js";
import { journalStep } from "../steps/undercloud/steps.js";
import { applySteps } from "./applysteps.js";
import type { UndercloudAccess, UndercloudCredentials } from "./hostaccess.js";
import { guestLogin } from "./undercloud-desired.js";
import { GuestProgress } from "./undercloud-progress.js";

export interface GuestRunInput {
  ctx: ReconcileContext;
  lifecycle: Lifecycle;
  access: UndercloudAccess;
  manager: LabManager;
  managerHost: RemoteHost;
  uc: TripleOUndercloud;
  creds: UndercloudCredentials;
  vm: UndercloudDesired;
  guest: { rendered: RenderedProfile; files: GuestFiles };
}

/** Fetching results must not hang the reconcile on a VM that went away. */
const FETCH_TIMEOUT_MS = 120_000;

/**
 * Run the guest phases not journaled yet, in the VM reached through the Manager with its
 * pinned host key. Each phase is journaled in the domain's metadata as soon as its steps
 * are done, so an operator killed midway resumes at the first unfinished phase (its steps
 * are safe to re-run) and never redoes a finished one. Output streams into `Progressing`;
 * the profile's result files are fetched into the workspace after every run, failed or not.
 */
export async function runGuestPhases(input: GuestRunInput): Promise<void> {
  const { ctx, lifecycle, managerHost, vm } = input;
  const facts = await observeUndercloud(managerHost, vm.domain, vm.paths);
  let stamp = facts.domain?.stamp;
  const address = facts.domain?.address;
  if (!stamp || !address) throw new Error(`VM ${vm.domain} has no DHCP lease yet: its guest phases wait`);
  const guest = await vmHost(input, address);
  let times = facts.domain?.stampTimes ?? {};
  const progress = new GuestProgress(ctx);
  let current = "keyed";
  try {
    for (const { phase, steps } of planGuest(input.guest.rendered, stamp.journal, input.guest.files)) {
      current = phase;
      progress.startPhase(phase);
      await progress.flush();
      recordEvent(ctx.state, "Normal", "GuestPhaseStarted", `guest phase ${phase} started in ${vm.domain}`);
      const tracked = steps.map((s) => trackedStep(s, progress));
      await applySteps(ctx, lifecycle, guest, tracked, `${managerOf(input.uc)}/vm/${vm.domain}`);
      stamp = { ...stamp, journal: withPhase(stamp.journal, phase) };
      const at = new Date().toISOString();
      await applySteps(
        ctx,
        lifecycle,
        managerHost,
        [journalStep(vm.domain, stamp, times, () => at)],
        managerOf(input.uc),
      );
      times = { ...times, [phase]: at };
      ctx.state.status.journal = stamp.journal;
    }
    progress.done(`all guest phases done (${stamp.journal.join(", ")})`);
  } catch (err) {
    const tail = progress.tail();
    const e = err as Error;
    e.message = `guest phase ${current} failed: ${e.message}${tail.length ? `; last output: ${tail.join(" | ")}` : ""}`;
    progress.failed(e.message);
    throw e;
  } finally {
    await progress.flush();
    await fetchResults(input, guest);
  }
}

async function vmHost(input: GuestRunInput, address: string): Promise<RemoteHost> {
  const login = guestLogin(input.uc, input.creds, address);
  input.ctx.state.status.ipAddress = address;
  return input.access.guest(input.manager, {
    target: guestTarget(login),
    alias: input.vm.domain,
    hostKeyLine: login.hostKeyLine,
  });
}

/** The step with its output lines fed to the progress report as well. */
function trackedStep(step: Step, progress: GuestProgress): Step {
  return {
    ...step,
    apply: async (sctx) => {
      progress.startStep(step.description);
      try {
        await step.apply({
          ...sctx,
          onProgress: (line) => {
            progress.line(line);
            sctx.onProgress?.(line);
          },
        });
      } finally {
        await progress.flush();
      }
    },
  };
}

async function fetchResults(input: GuestRunInput, guest: RemoteHost): Promise<void> {
  const paths = input.guest.rendered.fetch;
  if (paths.length === 0) return;
  let timer: NodeJS.Timeout | undefined;
  try {
    const files = await Promise.race([
      fetchGuestFiles({ host: guest, log: input.ctx.log }, paths),
      new Promise<never>((_r, reject) => {
        timer = setTimeout(() => reject(new Error("timed out")), FETCH_TIMEOUT_MS);
      }),
    ]);
    const dir = await input.access.saveResults(input.uc.metadata.name, files);
    input.ctx.log.info({ dir, files: files.map((f) => f.path) }, "fetched guest results");
  } catch (err) {
    input.ctx.log.warn({ error: (err as Error).message }, "could not fetch guest results");
  } finally {
    clearTimeout(timer);
  }
}
