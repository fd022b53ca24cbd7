import { sshAliasesOf, type LabManager, type TripleOUndercloud } from "../../api/index.js";
import type { Logger } from "../../log.js";
import type { RemoteHost } from "../../remote/types.js";
import type { Step } from "../../steps/types.js";
import { fetchGuestFiles, guestTarget, planGuest, type GuestFiles } from "../../steps/undercloud/guest.js";
import { observeUndercloud } from "../../steps/undercloud/observe.js";
import type { UndercloudDesired } from "../../steps/undercloud/plan.js";
import type { RenderedProfile } from "../../steps/undercloud/profile.js";
import { journaled, withoutPhasesFrom, type Phase, type Stamp } from "../../steps/undercloud/stamp.js";
import { dropStep, journalStep } from "../../steps/undercloud/steps.js";
import type { UndercloudAccess, UndercloudCredentials } from "../hostaccess.js";
import type { PlannedStep, StepTarget } from "../kind.js";
import { recordEvent } from "../state.js";
import { guestLogin } from "./desired.js";
import { GuestProgress, type ProgressSink } from "./progress.js";

export interface GuestRunInput {
  sink: ProgressSink;
  log: Logger;
  access: UndercloudAccess;
  manager: LabManager;
  managerHost: RemoteHost;
  uc: TripleOUndercloud;
  creds: UndercloudCredentials;
  vm: UndercloudDesired;
  guest: { rendered: RenderedProfile; files: GuestFiles };
  /** The VM's own lock: guest work never holds the Manager's. */
  lock: string;
}

/** Fetching results must not hang the reconcile on a VM that went away. */
const FETCH_TIMEOUT_MS = 120_000;

/**
 * The guest phases not journaled yet, as steps: each phase's actions run in the VM (reached
 * through the Manager with its pinned host key, under the VM's own lock, so a 20-minute
 * install never holds the Manager's), then the phase is journaled in the domain's metadata
 * on the Manager. An operator killed midway resumes at the first unfinished phase (its steps
 * are safe to re-run) and never redoes a finished one. Output streams into `Progressing`;
 * `fetchResults` keeps the profile's result files after every run, failed or not.
 */
export class GuestRun {
  private readonly progress: GuestProgress;
  private stamp?: Stamp;
  private times: Record<string, string> = {};
  private guest?: Promise<RemoteHost>;
  private current = "keyed";

  constructor(private readonly input: GuestRunInput) {
    this.progress = new GuestProgress(input.sink);
  }

  /**
   * The guest steps from the observed stamp (undefined: no domain yet, every phase runs).
   * A journaled phase whose input changed runs again with the later ones: a first step
   * drops them from the journal and says why in an event.
   */
  steps(observed: Stamp | undefined, times: Record<string, string> = {}): PlannedStep[] {
    const { phases, rerun } = planGuest(
      this.input.guest.rendered,
      observed ?? { journal: [] },
      this.input.guest.files,
    );
    if (observed) {
      this.stamp = observed;
      this.times = times;
    }
    const target: StepTarget = {
      host: () => (this.guest ??= this.connect()),
      lock: this.input.lock,
    };
    const drop = observed && phases[0] ? this.drop(observed, phases[0].phase, rerun) : [];
    return [
      ...drop,
      ...phases.flatMap(({ phase, steps, input }, i) => [
        ...steps.map((s, j) => ({ ...this.tracked(s, phase, j === 0), on: target })),
        this.journal(phase, input, i === phases.length - 1),
      ]),
    ];
  }

  /**
   * Fetch the result files if the VM was logged into in this run: the profile's from the
   * guest, and the domain's qemu and serial logs from the Manager (where the seed looked).
   */
  async fetchResults(): Promise<void> {
    await this.progress.flush();
    const paths = this.input.guest.rendered.fetch;
    const guest = await this.guest?.catch(() => undefined);
    if (!guest) return;
    const { managerHost, vm, log } = this.input;
    const managerLogs = [`/var/log/libvirt/qemu/${vm.domain}.log`, vm.serialLog];
    let timer: NodeJS.Timeout | undefined;
    try {
      const both = async () => [
        ...(await fetchGuestFiles({ host: guest, log }, paths)),
        ...(await fetchGuestFiles({ host: managerHost, log }, managerLogs, { sudo: true })),
      ];
      const files = await Promise.race([
        both(),
        new Promise<never>((_r, reject) => {
          timer = setTimeout(() => reject(new Error("timed out")), FETCH_TIMEOUT_MS);
        }),
      ]);
      const dir = await this.input.access.saveResults(this.input.uc.metadata.name, files);
      this.input.log.info({ dir, files: files.map((f) => f.path) }, "fetched guest results");
    } catch (err) {
      this.input.log.warn({ error: (err as Error).message }, "could not fetch guest results");
    } finally {
      clearTimeout(timer);
    }
  }

  /** The VM, once booted: its lease address and our stamp are read from the Manager first. */
  private async connect(): Promise<RemoteHost> {
    const { managerHost, vm, uc, creds } = this.input;
    const facts = await observeUndercloud(managerHost, vm.domain, vm.paths);
    const address = facts.domain?.address;
    if (!facts.domain?.stamp || !address)
      throw new Error(`VM ${vm.domain} has no DHCP lease yet: its guest phases wait`);
    this.stamp = facts.domain.stamp;
    this.times = facts.domain.stampTimes ?? {};
    const login = guestLogin(uc, creds, address);
    this.input.sink.state.status.ipAddress = address;
    return this.input.access.guest(this.input.manager, {
      undercloud: uc,
      target: guestTarget(login),
      alias: sshAliasesOf(uc)[0]!.alias,
      hostKeyLine: login.hostKeyLine,
    });
  }

  /** The step with its output fed to the progress report, and its failure told in full. */
  private tracked(step: Step, phase: string, first: boolean): Step {
    const { progress } = this;
    return {
      ...step,
      apply: async (sctx) => {
        if (first) await this.startPhase(phase);
        progress.startStep(step.description);
        try {
          await step.apply({
            ...sctx,
            onProgress: (line) => {
              progress.line(line);
              sctx.onProgress?.(line);
            },
          });
        } catch (err) {
          throw this.failed(err as Error);
        } finally {
          // The step runner saves next: never two saves of one state at once.
          await progress.flush();
        }
      },
    };
  }

  private async startPhase(phase: string): Promise<void> {
    this.current = phase;
    this.progress.startPhase(phase);
    await this.progress.flush();
    const { sink, vm } = this.input;
    recordEvent(sink.state, "Normal", "GuestPhaseStarted", `guest phase ${phase} started in ${vm.domain}`);
  }

  private failed(e: Error): Error {
    const tail = this.progress.tail();
    e.message = `guest phase ${this.current} failed: ${e.message}${tail.length ? `; last output: ${tail.join(" | ")}` : ""}`;
    this.progress.failed(e.message);
    return e;
  }

  /** Drop the phases about to run again from the journal first (crash: resume there). */
  private drop(
    observed: Stamp,
    from: Phase,
    rerun: { phase: Phase; why: string } | undefined,
  ): PlannedStep[] {
    const { vm, sink } = this.input;
    const dropped = withoutPhasesFrom(observed, from);
    if (dropped.journal.length === observed.journal.length) return [];
    const message = rerun
      ? `guest phase ${rerun.phase} of ${vm.domain} runs again, and every later one: ${rerun.why}`
      : `guest phases from ${from} of ${vm.domain} run again`;
    const step = dropStep(vm.domain, dropped, this.times, ` (${message})`);
    return [
      {
        ...step,
        apply: async (sctx) => {
          recordEvent(sink.state, "Normal", "GuestPhaseRerun", message);
          await step.apply(sctx);
          this.stamp = dropped;
          sink.state.status.journal = dropped.journal;
        },
      },
    ];
  }

  /** Journal a finished phase with its input hash in the domain's metadata (on the Manager). */
  private journal(phase: "keyed" | Phase, input: string | undefined, last: boolean): PlannedStep {
    const { vm, sink } = this.input;
    return {
      id: `vm/journal/${phase}`,
      description: `journal phase "${phase}" in the metadata of ${vm.domain}`,
      apply: async (sctx) => {
        if (!this.stamp) throw new Error(`VM ${vm.domain} was not logged into before journaling ${phase}`);
        const at = new Date().toISOString();
        const stamp = journaled(this.stamp, phase, input);
        await journalStep(vm.domain, stamp, this.times, () => at).apply(sctx);
        this.stamp = stamp;
        this.times = { ...this.times, [phase]: at };
        sink.state.status.journal = stamp.journal;
        if (last) this.progress.done(`all guest phases done (${stamp.journal.join(", ")})`);
      },
    };
  }
}
