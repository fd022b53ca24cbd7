import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { renderManagerManifest } from "../e2e/support/manifests.js";
import { skipUnlessSandboxCapable, sshRun } from "../e2e/support/sandbox.js";
import { cutOtherSshSessions, faultLab, isReadyNow, logsAfterNow, waitForState } from "./support.js";

/** A small package the prebaked Manager does not have: installing it runs apt for a while. */
const EXTRA_PACKAGE = "tree";

/**
 * The operator's SSH connection is cut from the Manager's side (every sshd session process
 * SIGKILLed, as a dropped link or a crashed sshd child would) while apt is installing a
 * package, and again at the start of the next step: the operator reconnects with backoff,
 * resumes, and converges; nothing is completed twice and dpkg is left consistent.
 */
describe("SSH connection cut mid-step", { skip: skipUnlessSandboxCapable() }, () => {
  const lab = faultLab("fcut");

  test("reconnects with backoff and converges, nothing done twice", { timeout: 12 * 60_000 }, async () => {
    const { sandbox, manager, manifests } = lab;
    const render = (packages: string[]) =>
      renderManagerManifest(sandbox, manager, manifests, (spec) => {
        spec.virtualBMC = { enabled: false };
        spec.resyncInterval = "1m";
        spec.packages = packages;
      });
    await render([]);
    const path = lab.managerState();
    const op = lab.operator();
    try {
      const converged = await waitForState(path, isReadyNow, 8 * 60_000);
      const editedAt = new Date().toISOString();
      const newLog = logsAfterNow(op);
      await render([EXTRA_PACKAGE]);

      // Cut while apt runs on the Manager (its output is streamed into our logs).
      await newLog(
        (l) => l.step === "packages" && typeof l.msg === "string" && /Get:|Reading|Hit:|Ign:/.test(l.msg),
        180_000,
      );
      assert.ok(
        (await cutOtherSshSessions(sandbox, manager)) >= 1,
        "the operator's session was cut mid-step",
      );
      await newLog((l) => l.msg === "connection lost", 30_000);
      await newLog((l) => l.msg === "reconcile failed; retrying with backoff", 60_000);

      // And once more as soon as the retry starts a step. apt may have finished on the
      // Manager despite the cut: then the retry plans nothing and converges with no step.
      const mark = op.logs.length;
      const newLogsAfterEdit = () => op.logs.slice(mark);
      const retried = await waitForState(
        path,
        (s) =>
          newLogsAfterEdit().some((l) => typeof l.msg === "string" && l.msg.startsWith("step started")) ||
          (s.generation > converged.generation && isReadyNow(s)),
        180_000,
      ).then(() => newLogsAfterEdit().some((l) => String(l.msg).startsWith("step started")));
      if (retried) await cutOtherSshSessions(sandbox, manager);
      console.log(`# the retry ${retried ? "ran a step, cut too" : "found nothing to do"}`);

      const final = await waitForState(
        path,
        (s) => s.generation > converged.generation && isReadyNow(s),
        8 * 60_000,
      );
      const since = final.steps.filter((s) => s.startedAt >= editedAt);
      console.log(`# steps since the edit: ${since.map((s) => `${s.step}=${s.result}`).join(", ")}`);
      const done = since.filter((s) => s.result === "done").map((s) => s.step);
      assert.deepEqual(done, [...new Set(done)], `a step completed twice: ${done.join(", ")}`);
      // The cut packages step either finished on the Manager anyway (then the next observe
      // finds the package and plans nothing) or is run again and completes: never both.
      const packages = since.filter((s) => s.step === "packages").map((s) => s.result);
      assert.equal(packages[0], "failed", `the first package run was cut: ${packages.join(", ")}`);
      assert.ok(packages.filter((r) => r === "done").length <= 1);

      assert.equal(
        (await sshRun(sandbox, manager, ["dpkg", "--audit"])).trim(),
        "",
        "dpkg has nothing half-done",
      );
      const status = await sshRun(sandbox, manager, ["dpkg-query", "-W", "-f", "${Status}", EXTRA_PACKAGE]);
      assert.equal(status.trim(), "install ok installed");
    } finally {
      await op.stop("SIGTERM");
    }
  });
});
