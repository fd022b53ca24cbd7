import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { renderManagerManifest } from "../e2e/support/manifests.js";
import { controlSandbox, skipUnlessSandboxCapable, sshRun } from "../e2e/support/sandbox.js";
import { condition, faultLab, isReadyNow, logsAfterNow, waitForState } from "./support.js";

/**
 * The Manager container goes down while `labctl run` is applying a spec change (powered off
 * as the change's first step starts) and boots again: the object reports Reachable=False
 * (Unreachable) while the host is down, then reconnects, finishes the change and is Ready
 * again, with no step completed twice.
 */
describe("Manager rebooted mid-reconcile", { skip: skipUnlessSandboxCapable() }, () => {
  const lab = faultLab("freboot");

  test("Reachable=False while down, then recovers and converges", { timeout: 10 * 60_000 }, async () => {
    const { sandbox, manager, manifests } = lab;
    const render = (timezone: string, bridges: unknown[]) =>
      renderManagerManifest(sandbox, manager, manifests, (spec) => {
        spec.virtualBMC = { enabled: false };
        spec.resyncInterval = "3s";
        spec.timezone = timezone;
        spec.bridges = bridges;
      });
    await render("America/Chicago", [{ name: "labbr0", addresses: ["10.99.0.1/24"] }]);
    const path = lab.managerState();
    const op = lab.operator();
    try {
      const converged = await waitForState(path, isReadyNow, 8 * 60_000);

      // A spec change, then a reboot as soon as its first step starts.
      const waitForNewLog = logsAfterNow(op);
      const editedAt = new Date().toISOString();
      await render("Europe/Paris", [
        { name: "labbr0", addresses: ["10.99.0.1/24"] },
        { name: "labbr1", addresses: ["10.98.0.1/24"] },
      ]);
      await waitForNewLog((l) => typeof l.msg === "string" && l.msg.startsWith("step started"), 120_000);
      // Powered off, and booted only once the operator has said so: a reboot of a few seconds
      // can fall between two reconciles, which the connection's retries then hide (seen in CI).
      await controlSandbox(sandbox, "stop", manager.name);
      const down = await waitForState(
        path,
        (s) => condition(s, "Reachable")?.reason === "Unreachable",
        3 * 60_000,
      );
      assert.equal(
        condition(down, "Reachable")?.status,
        "False",
        "Reachable=False (Unreachable) was reported while the Manager was down",
      );
      await controlSandbox(sandbox, "start", manager.name);
      const recovered = await waitForState(
        path,
        (s) =>
          s.generation > converged.generation &&
          isReadyNow(s) &&
          condition(s, "Reachable")?.status === "True",
        5 * 60_000,
      );

      assert.ok(
        recovered.events.some((e) => e.reason === "Unreachable"),
        "an Unreachable warning event was recorded",
      );
      const done = recovered.steps
        .filter((s) => s.result === "done" && s.startedAt >= editedAt)
        .map((s) => s.step);
      assert.deepEqual(done, [...new Set(done)], `a step completed twice: ${done.join(", ")}`);

      const tz = await sshRun(sandbox, manager, ["timedatectl", "show", "-p", "Timezone", "--value"]);
      assert.equal(tz.trim(), "Europe/Paris");
      const addr = await sshRun(sandbox, manager, ["ip", "-o", "-4", "addr", "show", "dev", "labbr1"]);
      assert.match(addr, /10\.98\.0\.1\/24/);
      const files = await sshRun(sandbox, manager, [
        "sh",
        "-c",
        "ls /etc/systemd/network/ | grep -c labbr1 || true",
      ]);
      assert.ok(Number(files.trim()) >= 1, "the new bridge's networkd files exist after the reboot");
    } finally {
      await op.stop("SIGTERM");
    }
  });
});
