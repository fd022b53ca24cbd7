/**
 * The operator SIGKILLed while the undercloud's install phase runs in the VM, then
 * restarted: it resumes with the install phase (journaled in the domain's metadata), never
 * re-creates the VM and never redoes a finished phase. Prebaked sandbox Manager, QEMU
 * software emulation, the imitation guest (test/guest/build-image.sh: NOT cloud-init, NOT
 * CentOS) whose debian-test install phase streams one line a second for about 30 s.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { RunningLabctl } from "../e2e/support/labctl.js";
import { skipUnlessSandboxCapable } from "../e2e/support/sandbox.js";
import {
  conditionOf,
  DOMAIN,
  startUndercloudLab,
  waitForState,
  type UndercloudLab,
} from "../e2e/undercloud-lab.js";

describe("operator killed during the undercloud install phase", { skip: skipUnlessSandboxCapable() }, () => {
  let lab: UndercloudLab | undefined;

  before(
    async () => {
      lab = await startUndercloudLab("ucres");
    },
    { timeout: 20 * 60_000 },
  );
  after(async () => {
    await lab?.stop();
  });

  test(
    "SIGKILL mid-install, restart: the install phase runs again, the VM is the same one, nothing else is redone",
    { timeout: 40 * 60_000 },
    async () => {
      const args = ["run", "-f", lab!.manifests, "--workspace", lab!.workspace];
      const first = new RunningLabctl(args);
      try {
        // Killed only once the streamed install output shows in the Progressing condition.
        const installing = await waitForState(
          lab!,
          (s) =>
            /^phase installed, .*install step ([3-9]|1\d|2[0-5])\/30/.test(
              conditionOf(s, "Progressing")?.message ?? "",
            ),
          25 * 60_000,
          "install phase streaming",
        );
        assert.equal(conditionOf(installing, "Progressing")?.status, "True");
      } finally {
        await first.stop("SIGKILL");
      }
      const uuid = (await lab!.on(["virsh", "domuuid", DOMAIN])).trim();
      const stampAtKill = await lab!.on([
        "virsh",
        "metadata",
        DOMAIN,
        "--uri",
        "https://openstacklab.io/ownership",
      ]);
      assert.match(stampAtKill, /<phase name="configured"/);
      assert.doesNotMatch(
        stampAtKill,
        /<phase name="installed"/,
        "killed before the install phase was journaled",
      );

      const second = new RunningLabctl(args);
      try {
        const ready = await waitForState(
          lab!,
          (s) => conditionOf(s, "Ready")?.status === "True" && s.status.observedGeneration === s.generation,
          15 * 60_000,
          "Ready after the restart",
        );
        assert.deepEqual(ready.status.journal, [
          "created",
          "booted",
          "keyed",
          "packages",
          "configured",
          "installed",
          "postInstalled",
        ]);
        const redone = second.logs
          .filter(
            (l) =>
              typeof l.msg === "string" && l.msg.startsWith("step started") && l.kind === "TripleOUndercloud",
          )
          .map((l) => String(l.step));
        assert.deepEqual(
          redone,
          [
            "guest/installed/0",
            "vm/journal/installed",
            "guest/postInstalled/0",
            "vm/journal/postInstalled",
            "bmc/add",
            "bmc/start",
          ],
          "only the install phase, the post-install one after it (and the BMC) ran after the restart",
        );
      } finally {
        await second.stop("SIGTERM");
      }
      assert.equal(
        (await lab!.on(["virsh", "domuuid", DOMAIN])).trim(),
        uuid,
        "the same domain: never re-created",
      );
      const log = await readFile(
        join(lab!.workspace, "results", "undercloud", "home", "tripleo", "install-undercloud.log"),
        "utf8",
      );
      const starts = [...log.matchAll(/^install started (\S+)$/gm)].map((m) => m[1]);
      assert.equal(starts.length, 2, `the install ran twice (killed, resumed):\n${log}`);
      assert.equal(starts[0], starts[1], "no reboot in between: the packages phase was not redone");
      assert.match(log, /install step 30\/30\ninstalled\n$/, "the resumed install ran to its end");
    },
  );
});
