import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { labctl, runOperator, RunningLabctl } from "./support/labctl.js";
import { argoHealth, objectOfStateRecord } from "../kubernetes/argocd.js";
import { renderManagerManifest } from "./support/manifests.js";
import {
  skipUnlessSandboxCapable,
  sshRun,
  startSandbox,
  stopSandbox,
  type Sandbox,
} from "./support/sandbox.js";

/**
 * The LabManager controller end to end on a BARE sandbox Manager (a Debian container with
 * only systemd, sshd and python3): the operator installs libvirt, VirtualBMC, the user and
 * the bridge itself, then repairs drift and cleans up only what it created.
 */
describe("LabManager controller on a bare sandbox Manager", { skip: skipUnlessSandboxCapable() }, () => {
  let sandbox: Sandbox;
  let dir: string;
  const ws = () => join(dir, "workspace");
  const mf = () => join(dir, "manifests");
  const on = (cmd: string[]) => sshRun(sandbox, sandbox.managers[0]!, cmd);

  before(async () => {
    sandbox = await startSandbox({ count: 1, variant: "bare", prefix: `lm${process.pid % 100_000}` });
    dir = await mkdtemp(join(tmpdir(), "lm-e2e-"));
    // Made by hand before the operator ever ran: cleanup must leave them alone.
    await on(["useradd", "-m", "handmade"]);
    await on(["ip", "link", "add", "handbr0", "type", "bridge"]);
  });
  after(async () => {
    await stopSandbox(sandbox);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test("apply converges a bare Manager to Ready", { timeout: 20 * 60_000 }, async () => {
    await renderManagerManifest(sandbox, sandbox.managers[0]!, mf());
    const res = await labctl(["apply", "-f", mf(), "--workspace", ws()]);
    assert.equal(res.code, 0, `apply failed:\n${res.stdout}\n${res.stderr.slice(-4000)}`);
    assert.equal((await on(["systemctl", "is-active", "libvirtd"])).trim(), "active");
    assert.equal((await on(["systemctl", "is-active", "vbmcd"])).trim(), "active");
    await on(["vbmc", "list"]);
    assert.equal((await on(["su", "-", "manager", "-c", "sudo -n true && echo sudo-ok"])).trim(), "sudo-ok");
    assert.match(await on(["ip", "-br", "addr", "show", "labbr0"]), /10\.99\.0\.1\/24/);
    assert.equal((await on(["timedatectl", "show", "-p", "Timezone", "--value"])).trim(), "America/Chicago");
    // Argo CD's health check reads the file-mode state record the same way (setup.sh installs lua5.1).
    const records = JSON.parse((await labctl(["get", "-o", "json", "--workspace", ws()])).stdout);
    const health = await argoHealth(
      objectOfStateRecord(records.find((r: { kind: string }) => r.kind === "LabManager")),
    );
    assert.equal(health.status, "Healthy", health.message);
  });

  test("a second apply performs zero mutating steps", { timeout: 5 * 60_000 }, async () => {
    const res = await labctl(["apply", "-f", mf(), "--workspace", ws()]);
    assert.equal(res.code, 0, res.stderr.slice(-3000));
    const started = res.logs.filter((l) => typeof l.msg === "string" && l.msg.startsWith("step started"));
    assert.deepEqual(started, [], "no step runs on a converged Manager");
  });

  test("drift is repaired within one resync and reported", { timeout: 5 * 60_000 }, async () => {
    await renderManagerManifest(sandbox, sandbox.managers[0]!, mf(), (spec) => (spec.resyncInterval = "3s"));
    const op = new RunningLabctl([
      "run",
      "-f",
      mf(),
      "--workspace",
      ws(),
      "--metrics-address",
      "127.0.0.1:0",
    ]);
    try {
      const serving = await op.waitForLog((l) => l.msg === "serving metrics", 60_000);
      await op.waitForLog((l) => l.msg === "operator running", 30_000);
      const scrape = async () =>
        (
          await fetch(`http://${String(serving.address)}/metrics`, { signal: AbortSignal.timeout(30_000) })
        ).text();
      const passes = 'controller_runtime_reconcile_total{controller="LabManager",result="requeue_after"}';
      // The edit above (resyncInterval) lands in the first pass; what breaks after it is drift.
      await waitFor(async () => counter(await scrape(), passes) > 0, 60_000);
      await on(["systemctl", "stop", "libvirtd.socket", "libvirtd"]);
      await on(["rm", "-f", "/etc/sudoers.d/lab-operator-manager"]);
      await on(["ip", "link", "del", "labbr0"]);
      await op.waitForLog(
        (l) => String(l.msg).startsWith("step done") && /libvirt/.test(String(l.step)),
        60_000,
      );
      await waitFor(
        async () => (await on(["systemctl", "is-active", "libvirtd"])).trim() === "active",
        60_000,
      );
      await waitFor(
        async () => /10\.99\.0\.1/.test(await on(["ip", "-br", "addr", "show", "labbr0"]).catch(() => "")),
        60_000,
      );
      await waitFor(
        async () =>
          await on(["test", "-f", "/etc/sudoers.d/lab-operator-manager"]).then(
            () => true,
            () => false,
          ),
        60_000,
      );
      // The repairing reconcile may still be finishing (a re-observe follows the last step).
      let metrics = "";
      await waitFor(async () => {
        metrics = await scrape();
        return counter(metrics, 'labop_drift_repaired_total{kind="LabManager"}') > 0;
      }, 60_000).catch(() => assert.fail(`no drift repair counted:\n${metrics}`));
      assert.ok(counter(metrics, "labop_ssh_round_trips_total{", 'kind="observe"') > 0, metrics);
    } finally {
      await op.stop("SIGTERM");
    }
    const describe = await labctl(["describe", "LabManager/manager", "--workspace", ws()]);
    assert.match(describe.stdout, /DriftRepaired/);
  });

  test(
    "files changed by hand are repaired at once, with the resync far away (inotify on the Manager)",
    { timeout: 5 * 60_000 },
    async () => {
      await renderManagerManifest(
        sandbox,
        sandbox.managers[0]!,
        mf(),
        (spec) => (spec.resyncInterval = "10m"),
      );
      const op = runOperator(mf(), ws());
      const sudoers = "/etc/sudoers.d/lab-operator-manager";
      const bridgeFile = "/etc/systemd/network/50-lab-labbr0.network";
      const keys = "/home/manager/.ssh/authorized_keys";
      const sums = () => on(["sha256sum", sudoers, bridgeFile, keys]);
      // The change and the files' sums right after it in one command: the repair may come
      // before a second round trip would.
      const changed = (change: readonly string[]) =>
        on([
          "sh",
          "-c",
          'a=$1 b=$2 c=$3; shift 3; "$@"; sha256sum "$a" "$b" "$c" 2>&1; true',
          "sh",
          ...[sudoers, bridgeFile, keys],
          ...change,
        ]);
      try {
        await op.waitForLog((l) => l.msg === "operator running", 60_000);
        // The watcher runs once a reconcile found the Manager Ready (its script names
        // inotify_add_watch); the earlier tests left the Manager converged.
        await waitFor(
          () =>
            on(["pgrep", "-f", "inotify_add_watch"]).then(
              () => true,
              () => false,
            ),
          120_000,
        );
        const converged = await sums();
        const repairs: Record<string, number> = {};
        for (const [what, change] of [
          ["sudoers deleted", ["rm", "-f", sudoers]],
          [
            "bridge file edited in place",
            ["sed", "-i", "s/^\\[Match\\]$/[Match]\\n# edited by hand/", bridgeFile],
          ],
          ["authorized_keys emptied", ["sh", "-c", `: >${keys}`]],
        ] as const) {
          const t0 = performance.now();
          assert.notEqual(await changed(change), converged, `${what}: the change took`);
          await waitFor(async () => (await sums().catch(() => "")) === converged, 30_000).catch(() =>
            assert.fail(`${what}: not repaired within 30 s (the resync is 10 min away)`),
          );
          repairs[what] = Math.round(performance.now() - t0);
        }
        // Our own repairs write the same files: that must not become a loop of passes.
        const stepsBefore = op.logs.filter((l) => String(l.msg).startsWith("step started")).length;
        await new Promise((resolve) => setTimeout(resolve, 5_000));
        const stepsAfter = op.logs.filter((l) => String(l.msg).startsWith("step started")).length;
        assert.equal(stepsAfter, stepsBefore, "no step runs once the files are back");
        console.log(`# file drift repaired in ms: ${JSON.stringify(repairs)}`);
      } finally {
        await op.stop("SIGTERM");
      }
    },
  );

  test(
    "an invalid edit keeps the Manager as it was and shows the error",
    { timeout: 3 * 60_000 },
    async () => {
      await renderManagerManifest(sandbox, sandbox.managers[0]!, mf(), (spec) => {
        spec.bridges = [{ name: "a-bridge-name-far-too-long", addresses: ["10.99.0.1/24"] }];
      });
      const res = await labctl(["apply", "-f", mf(), "--workspace", ws()]);
      assert.notEqual(res.code, 0);
      assert.match(
        res.stderr,
        /manager\.yaml:1 LabManager\/manager spec\.bridges\[0\]\.name: must be at most 15 bytes/,
      );
      assert.match(
        await on(["ip", "-br", "addr", "show", "labbr0"]),
        /10\.99\.0\.1\/24/,
        "the good spec's bridge stays",
      );
      const describe = await labctl(["describe", "LabManager/manager", "--workspace", ws()]);
      assert.match(describe.stdout, /InputValid\s+False\s+InvalidSpec/);
    },
  );

  test("deleting the manifest cleans only what the operator created", { timeout: 5 * 60_000 }, async () => {
    await rm(join(mf(), "manager.yaml"));
    const res = await labctl(["apply", "-f", mf(), "--workspace", ws()]);
    assert.equal(res.code, 0, res.stderr.slice(-3000));
    await assert.rejects(on(["id", "manager"]), "the manager user is removed");
    await assert.rejects(on(["ip", "link", "show", "labbr0"]), "the bridge we made is removed");
    assert.notEqual(
      (await on(["systemctl", "is-active", "vbmcd"]).catch((e: Error) => e.message)).trim(),
      "active",
    );
    await on(["id", "handmade"]);
    await on(["ip", "link", "show", "handbr0"]);
    const state = await readFile(join(ws(), "state", "LabManager", "default", "manager.json")).catch(
      () => null,
    );
    assert.equal(state, null, "the object's state is gone after cleanup");
  });
});

/** The value of the first sample whose line starts with `prefix` (and contains `also`). */
function counter(text: string, prefix: string, also = ""): number {
  const line = text.split("\n").find((l) => l.startsWith(prefix) && l.includes(also));
  return line ? Number(line.split(" ").at(-1)) : 0;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
