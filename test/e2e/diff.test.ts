// `labctl diff -f DIR` against a real Manager: this machine's own OpenSSH sshd on a loopback
// address (bench/loopback-managers.ts), logging in as root, observed read-only. The plan
// finds real differences here (no labbr0 bridge, no manager user, VirtualBMC absent), so
// diff exits 1; saved state is never written.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { parseAllDocuments } from "yaml";
import { labManager, type LabManager } from "../../src/api/index.js";
import { emptyState } from "../../src/controllers/state.js";
import { FileStateStore } from "../../src/modes/file/filestate.js";
import { startLoopbackManagers, type LoopbackManagers } from "../../bench/loopback-managers.js";
import { labctl } from "./support/labctl.js";

const skip = process.getuid?.() === 0 ? false : "needs root (a loopback sshd logging in as root)";

describe("labctl diff against a real sshd", { skip, timeout: 300_000 }, () => {
  let lm: LoopbackManagers;
  let stateDir: string;
  const diff = (...extra: string[]) =>
    labctl(["diff", "-f", lm.manifests, "--workspace", lm.workspace, "--state-dir", stateDir, ...extra], {
      timeoutMs: 180_000,
      env: { ...process.env, LOG_FORMAT: "json" },
    });

  before(async () => {
    lm = await startLoopbackManagers(1, 2391);
    stateDir = join(lm.dir, "state");
  });
  after(async () => {
    await lm?.close();
  });

  test("a never-applied Manager: new, with the host steps apply would take; exit 1; nothing saved", async () => {
    const r = await diff();
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^LabManager\/loop-0: new$/m);
    assert.match(r.stdout, /^ {2}host: .*labbr0/m);
    // Per field, what this host really has: it has no such bridge and no VirtualBMC.
    assert.match(r.stdout, /^ {2}host spec\.bridges\[0\]\.name: has no bridge labbr0, wants labbr0$/m);
    assert.match(r.stdout, /^ {2}host spec\.virtualBMC\.version: has not installed, wants \S+$/m);
    assert.match(r.stdout, /^1 new$/m);
    assert.ok(!existsSync(stateDir), "diff must not write saved state");
  });

  test("-o json: the same report for tools", async () => {
    const r = await diff("-o", "json");
    assert.equal(r.code, 1, r.stderr);
    const report = JSON.parse(r.stdout) as { exitCode: number; objects: Array<Record<string, unknown>> };
    assert.equal(report.exitCode, 1);
    assert.equal(report.objects.length, 1);
    assert.equal(report.objects[0]!.result, "new");
    assert.ok((report.objects[0]!.hostSteps as string[]).length > 0);
    const fields = report.objects[0]!.hostFields as Array<{ path: string; host: string; wanted: string }>;
    assert.deepEqual(
      fields.find((f) => f.path === "spec.bridges[0].name"),
      { path: "spec.bridges[0].name", host: "no bridge labbr0", wanted: "labbr0" },
    );
  });

  test("after an apply of another spec: each changed field, applied -> wanted", async () => {
    const wanted = labManager.parse(
      parseAllDocuments(await readFile(join(lm.manifests, "managers.yaml"), "utf8"))[0]!.toJS(),
    ) as LabManager;
    const applied = structuredClone(wanted);
    applied.spec.timezone = "Europe/Paris";
    applied.spec.bridges[0]!.addresses = ["10.98.0.1/24"];
    const store = new FileStateStore(stateDir);
    const state = emptyState("LabManager", "default", wanted.metadata.name);
    state.generation = 1;
    state.lastGoodObject = applied;
    await store.save(state);
    const before = await readFile(join(stateDir, "LabManager", "default", "loop-0.json"), "utf8");
    const r = await diff();
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^LabManager\/loop-0: changed$/m);
    assert.match(
      r.stdout,
      /^ {2}spec\.bridges\[0\]\.addresses\[0\]: "10\.98\.0\.1\/24" -> "10\.99\.0\.1\/24"$/m,
    );
    const tz = wanted.spec.timezone === undefined ? "(unset)" : JSON.stringify(wanted.spec.timezone);
    assert.ok(r.stdout.split("\n").includes(`  spec.timezone: "Europe/Paris" -> ${tz}`), r.stdout);
    assert.equal(await readFile(join(stateDir, "LabManager", "default", "loop-0.json"), "utf8"), before);
  });

  test("a manifest that does not load: exit 2, the error named", async () => {
    await writeFile(
      join(lm.manifests, "bad.yaml"),
      "apiVersion: openstacklab.io/v1alpha1\nkind: LabManager\nmetadata: {name: bad}\nspec: {adress: x}\n",
    );
    const r = await diff();
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stdout, /bad\.yaml.*spec/);
  });
});
