/**
 * `labctl suspend|resume|reconcile` in file mode, against a running `labctl run` (real
 * processes; the Manager is a closed port on loopback, so the object keeps failing with
 * Unreachable and every attempt is visible): a suspend mark stops the attempts at once, a
 * reconcile request is handled and echoed, resume starts them again. The manifest is never
 * edited.
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { labctl, RunningLabctl } from "./support/labctl.js";

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe("suspend, reconcile and resume a running labctl run's object", { timeout: 120_000 }, () => {
  let dir: string;
  let op: RunningLabctl;
  const ws = () => join(dir, "workspace");
  const state = async () =>
    JSON.parse(await readFile(join(ws(), "state", "LabManager", "default", "lab.json"), "utf8")) as {
      status: {
        phase?: string;
        lastHandledReconcileAt?: string;
        conditions: { type: string; status: string }[];
      };
    };
  const attempts = () => op.logs.filter((l) => l.msg === "reconcile failed; retrying with backoff").length;
  const waitUntil = async (what: string, check: () => Promise<boolean> | boolean, ms = 20_000) => {
    const deadline = Date.now() + ms;
    while (
      !(await Promise.resolve()
        .then(check)
        .catch(() => false))
    ) {
      assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "labctl-suspend-"));
    const manifest = `apiVersion: openstacklab.io/v1alpha1
kind: LabManager
metadata: { name: lab }
spec:
  address: 127.0.0.1
  ssh: { port: ${await closedPort()}, trustOnFirstUse: true }
`;
    await writeFile(join(dir, "lab.yaml"), manifest);
    op = new RunningLabctl([
      "run",
      "-f",
      join(dir, "lab.yaml"),
      "--workspace",
      ws(),
      "--metrics-address",
      "off",
    ]);
    await op.waitForLog((l) => l.msg === "reconcile failed; retrying with backoff", 30_000);
  });

  after(async () => {
    await op?.stop("SIGTERM");
    await rm(dir, { recursive: true, force: true });
  });

  test("suspend stops the attempts at once; reconcile --wait is answered; resume starts them again", async () => {
    const manifestBefore = await readFile(join(dir, "lab.yaml"), "utf8");
    const suspend = await labctl(["suspend", "LabManager/lab", "--workspace", ws()]);
    assert.equal(suspend.code, 0, suspend.stderr);
    await waitUntil("phase suspended", async () => (await state()).status.phase === "suspended");
    const s = await state();
    assert.equal(s.status.conditions.find((c) => c.type === "Suspended")?.status, "True");
    const during = attempts();
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(
      attempts(),
      during,
      "no connection attempt while suspended (backoff would retry within 3 s)",
    );

    const reconcile = await labctl([
      "reconcile",
      "LabManager/lab",
      "--wait",
      "--timeout",
      "20",
      "--workspace",
      ws(),
    ]);
    const at = /reconcile requested at (\S+)/.exec(reconcile.stdout)?.[1];
    assert.ok(at, reconcile.stdout + reconcile.stderr);
    assert.equal((await state()).status.lastHandledReconcileAt, at, "the request was handled and echoed");
    assert.match(reconcile.stdout, /^LabManager\/lab: Suspended: suspended with labctl suspend/m);
    assert.equal(reconcile.code, 1, "handled, but not Ready");

    const resume = await labctl(["resume", "LabManager/lab", "--workspace", ws()]);
    assert.equal(resume.code, 0, resume.stderr);
    await waitUntil("attempts again", () => attempts() > during);
    await waitUntil("not suspended", async () => (await state()).status.phase !== "suspended");
    assert.equal(
      await readFile(join(dir, "lab.yaml"), "utf8"),
      manifestBefore,
      "the manifest was not edited",
    );
  });
});
