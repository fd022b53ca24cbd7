import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { renderManagerManifest } from "../e2e/support/manifests.js";
import { skipUnlessSandboxCapable } from "../e2e/support/sandbox.js";
import {
  condition,
  cutOtherSshSessions,
  faultLab,
  isReadyNow,
  operatorKey,
  replaceHostKey,
  sshdJournal,
  waitForState,
} from "./support.js";

/**
 * The host key of a running, converged Manager is replaced (and the operator's pooled
 * session cut, as a reinstall or a man in the middle would): the operator refuses the new
 * key with HostKeyChanged and runs nothing; once the new fingerprint is pinned in the
 * manifest, the same operator process reconnects and the Manager is Ready again.
 */
describe("Manager host key changed", { skip: skipUnlessSandboxCapable() }, () => {
  const lab = faultLab("fhkey");

  test(
    "refused with HostKeyChanged, nothing executed; converges once the new key is pinned",
    { timeout: 10 * 60_000 },
    async () => {
      const { sandbox, manager, manifests, dir } = lab;
      const key = await operatorKey(sandbox, manager, dir);
      const render = (fingerprint: string) =>
        renderManagerManifest(sandbox, manager, manifests, (spec) => {
          spec.virtualBMC = { enabled: false };
          spec.resyncInterval = "3s";
          spec.ssh = {
            ...(spec.ssh as object),
            privateKeyRef: { file: key.path },
            hostKeyFingerprint: fingerprint,
          };
        });
      await render(manager.fingerprint);
      const path = lab.managerState();
      const op = lab.operator();
      try {
        await waitForState(path, isReadyNow, 8 * 60_000);

        const newFingerprint = await replaceHostKey(sandbox, manager);
        assert.notEqual(newFingerprint, manager.fingerprint);
        const changedAt = Date.now();
        const cut = await cutOtherSshSessions(sandbox, manager);
        assert.ok(cut >= 1, "the operator's pooled session was cut");

        const refused = await waitForState(
          path,
          (s) => condition(s, "Reachable")?.reason === "HostKeyChanged",
          120_000,
        );
        assert.equal(condition(refused, "Reachable")?.status, "False");
        assert.match(
          condition(refused, "Reachable")!.message,
          new RegExp(newFingerprint.replace(/[+/]/g, "\\$&")),
        );
        // Let a few more resyncs try (and be refused) before looking at sshd's log.
        await new Promise((r) => setTimeout(r, 8_000));
        const until = Date.now();
        assert.ok(
          op.logs.some((l) => String(l.err ?? "").includes("host key of")),
          "the operator logged the refusal",
        );

        const journal = await sshdJournal(sandbox, manager, changedAt, until);
        const operatorLogins = journal.filter(
          (l) => /Accepted publickey/.test(l) && l.includes(key.fingerprint),
        );
        assert.deepEqual(operatorLogins, [], "the operator never logged in to the changed host");
        assert.ok(
          journal.some((l) => /preauth/.test(l)),
          `the operator did try to connect (sshd saw a pre-auth disconnect):\n${journal.join("\n")}`,
        );

        await render(newFingerprint);
        const back = await waitForState(
          path,
          (s) => isReadyNow(s) && condition(s, "Reachable")?.status === "True",
          180_000,
        );
        assert.equal(back.generation, refused.generation + 1, "the new pin is a new generation");
        const done = back.steps.filter(
          (s) => s.result === "done" && s.startedAt > new Date(changedAt).toISOString(),
        );
        assert.deepEqual(
          done.map((s) => s.step),
          [],
          "re-pinning the key changed nothing on the converged Manager",
        );
      } finally {
        await op.stop("SIGTERM");
      }
    },
  );
});
