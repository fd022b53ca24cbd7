/**
 * The guest run's failure report, with test doubles for the Manager and the VM (no VM runs
 * in unit tests): the failing phase, the error and the last output lines end up in the
 * error (hence the Reconciling/Stalled message) and in the Progressing condition; the
 * failed phase is not journaled; result files are still fetched.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { tripleoUndercloud } from "../../../../src/api/tripleoundercloud.js";
import type { UndercloudAccess } from "../../../../src/controllers/hostaccess.js";
import { desiredGuest, desiredVm } from "../../../../src/controllers/undercloud/desired.js";
import { applySteps } from "../../../../src/controllers/apply.js";
import { GuestRun } from "../../../../src/controllers/undercloud/guest.js";
import { CommandFailed } from "../../../../src/remote/errors.js";
import type { ExecOptions, ExecResult } from "../../../../src/remote/types.js";
import { KeyedMutex } from "../../../../src/util/keyed-mutex.js";
import type { ReconcileContext } from "../../../../src/controllers/contract.js";
import { emptyState } from "../../../../src/controllers/state.js";
import { renderStamp, undercloudOwner, type Stamp } from "../../../../src/steps/undercloud/stamp.js";
import { RecordingHost, rawNothing, silent } from "./support.js";

const uc = tripleoUndercloud.parse({
  apiVersion: "openstacklab.io/v1alpha1",
  kind: "TripleOUndercloud",
  metadata: { name: "undercloud", namespace: "default" },
  spec: {
    managerRef: { name: "manager" },
    domainName: "tripleo",
    nics: [{ networkRef: { name: "a" } }, { networkRef: { name: "b" } }],
    tripleo: { profile: "debian-test" },
  },
});
const creds = {
  privateKey: "KEY",
  publicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB0Ck2x0Q5bC8vPpfN7t8G8b2V3qO1c7yKkqz3bX6s8F c",
  password: "pw-pw-pw-pw-pw",
  hostKey: {
    privateKey: "HOST",
    publicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB0Ck2x0Q5bC8vPpfN7t8G8b2V3qO1c7yKkqz3bX6s8F h",
  },
};

/** The Manager: observe answers a running VM journaled up to "configured". */
class ManagerDouble extends RecordingHost {
  override async observe<T>(): Promise<T> {
    const raw = rawNothing();
    const journal = ["created", "booted", "keyed", "packages", "configured"] as const;
    raw.domain = {
      exists: true,
      state: "running",
      autostart: true,
      persistent: true,
      metadata: renderStamp({ owner: undercloudOwner("default", "undercloud"), journal: [...journal] }),
      macs: ["52:54:00:00:00:01"],
      cdroms: ["-"],
      address: "192.168.151.20",
    };
    return raw as T;
  }
}

/** The VM: the install prints seven lines, then fails. */
class GuestDouble extends RecordingHost {
  override async exec(argv: readonly string[], opts: ExecOptions): Promise<ExecResult> {
    if (!opts.purpose.startsWith("install the undercloud")) return super.exec(argv, opts);
    for (let i = 1; i <= 7; i++) opts.onLine?.("stdout", `install line ${i}`);
    throw new CommandFailed(opts.purpose, 1, ["ERROR: the container registry does not answer"]);
  }
}

describe("a guest phase that fails", () => {
  it("reports the phase, the error and the last output lines, journals nothing more and still fetches results", async () => {
    const state = emptyState("TripleOUndercloud", "default", "undercloud");
    const ctx = {
      state,
      checkpoint: async () => undefined,
      hostLock: new KeyedMutex(),
      log: silent,
      signal: new AbortController().signal,
      mutate: true,
      emitStep: () => undefined,
    } as unknown as ReconcileContext;
    const manager = new ManagerDouble("root@manager:22");
    const guest = new GuestDouble("tripleo@vm:22");
    let fetched = false;
    const access: UndercloudAccess = {
      credentials: async () => creds,
      guest: async () => guest,
      saveResults: async () => {
        fetched = true;
        return "/results";
      },
    };
    // What the driver does with the guest phases: apply their steps, then fetch results.
    const run = new GuestRun({
      sink: { state, checkpoint: async () => undefined },
      log: silent,
      access,
      manager: {} as never,
      managerHost: manager,
      uc,
      creds,
      vm: desiredVm(uc, creds, []),
      guest: desiredGuest(uc),
      lock: "default/manager/vm/tripleo",
    });
    const journaled: Stamp = {
      owner: undercloudOwner("default", uc.metadata.name),
      journal: ["created", "booted", "keyed", "packages", "configured"],
    };
    const guestRun = async () => {
      try {
        await applySteps(
          { ctx, host: manager, lock: "default/manager", onStepStarted: () => undefined },
          run.steps(journaled),
        );
      } finally {
        await run.fetchResults();
      }
    };
    await assert.rejects(
      guestRun(),
      (e: Error) =>
        e instanceof CommandFailed &&
        /^guest phase installed failed: install the undercloud \(imitation\) exited 1: ERROR: the container registry does not answer; last output: install line 3 \| install line 4 \| install line 5 \| install line 6 \| install line 7$/.test(
          e.message,
        ),
    );
    const progressing = state.status.conditions.find((c) => c.type === "Progressing");
    assert.equal(progressing?.status, "False");
    assert.equal(progressing?.reason, "GuestStepFailed");
    assert.match(progressing?.message ?? "", /last output: .*install line 7$/);
    assert.ok(
      !manager.execs.some((a) => a.join(" ").includes('name="installed"')),
      "the failed phase is not journaled",
    );
    assert.ok(fetched, "results are fetched after a failed run too");
  });
});
