import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ObjectState } from "../../src/controllers/state.js";
import { RunningLabctl } from "../e2e/support/labctl.js";
import { renderManagerManifest } from "../e2e/support/manifests.js";
import {
  skipUnlessSandboxCapable,
  sshRun,
  startSandbox,
  stopSandbox,
  type Sandbox,
} from "../e2e/support/sandbox.js";

/**
 * The operator SIGKILLed in the middle of package installation on a bare Manager, then
 * restarted: it resumes and converges, and no step is completed twice.
 */
describe("operator killed mid-step", { skip: skipUnlessSandboxCapable() }, () => {
  let sandbox: Sandbox;
  let dir: string;

  before(async () => {
    sandbox = await startSandbox({
      count: 1,
      variant: "bare",
      prefix: `fk${process.pid % 100_000}`,
    });
    dir = await mkdtemp(join(tmpdir(), "fault-kill-"));
  });
  after(async () => {
    await stopSandbox(sandbox);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test(
    "SIGKILL during package installation, restart: converges, nothing done twice",
    { timeout: 25 * 60_000 },
    async () => {
      const manifests = join(dir, "manifests");
      const workspace = join(dir, "workspace");
      await renderManagerManifest(sandbox, sandbox.managers[0]!, manifests);
      const args = ["run", "-f", manifests, "--workspace", workspace];

      const first = new RunningLabctl(args);
      await first.waitForLog(
        (l) => l.step === "packages" && String(l.msg).startsWith("step started"),
        120_000,
      );
      // Let apt get going on the Manager, then kill the operator without warning.
      await first
        .waitForLog(
          (l) => l.step === "packages" && typeof l.msg === "string" && /Unpacking|Selecting|Get:/.test(l.msg),
          300_000,
        )
        .catch(() => undefined);
      await first.stop("SIGKILL");

      const second = new RunningLabctl(args);
      try {
        await second.waitForLog((l) => l.msg === "operator running", 60_000);
        const state = await waitForReady(
          join(workspace, "state", "LabManager", "default", "manager.json"),
          20 * 60_000,
        );
        const done = state.steps.filter((s) => s.result === "done").map((s) => s.step);
        assert.deepEqual(done, [...new Set(done)], `a step completed twice: ${done.join(", ")}`);
        assert.ok(done.includes("packages"), "the interrupted step was completed after the restart");
      } finally {
        await second.stop("SIGTERM");
      }
      const audit = await sshRun(sandbox, sandbox.managers[0]!, ["dpkg", "--audit"]);
      assert.equal(audit.trim(), "", "dpkg has nothing half-installed");
      assert.equal(
        (await sshRun(sandbox, sandbox.managers[0]!, ["systemctl", "is-active", "libvirtd"])).trim(),
        "active",
      );
    },
  );
});

async function waitForReady(path: string, timeoutMs: number): Promise<ObjectState> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await readFile(path, "utf8").then(
      (t) => JSON.parse(t) as ObjectState,
      () => undefined,
    );
    const ready = state?.status.conditions.find((c) => c.type === "Ready");
    if (state && ready?.status === "True" && state.status.observedGeneration === state.generation)
      return state;
    if (Date.now() > deadline)
      throw new Error(`not Ready within ${timeoutMs} ms: ${JSON.stringify(state?.status.conditions)}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}
