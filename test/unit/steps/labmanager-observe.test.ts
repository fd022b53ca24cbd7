import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { labManagerSpec } from "../../../src/api/labmanager.js";
import type { RemoteHost } from "../../../src/remote/types.js";
import { sha256 } from "../../../src/steps/labmanager/content.js";
import { managerFacts } from "../../../src/steps/labmanager/facts.js";
import { observeArgs, observeManager } from "../../../src/steps/labmanager/observe.js";
import { OBSERVE_MANAGER } from "../../../src/steps/labmanager/observe-script.js";

/** Runs `bash -c SCRIPT` on this machine: only observe is needed here. */
function localHost(): RemoteHost {
  const run = (script: string, args: readonly string[]) =>
    new Promise<string>((resolve, reject) => {
      const child = spawn("bash", ["-c", script, "lab-operator", ...args], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      let err = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr.on("data", (d: Buffer) => (err += d.toString()));
      child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}: ${err}`))));
    });
  const unused = () => {
    throw new Error("not used by observe");
  };
  return {
    id: "local",
    observe: async <T>(script: string, args: readonly string[]) => JSON.parse(await run(script, args)) as T,
    exec: unused,
    upload: unused,
    readFile: unused,
    stream: unused,
  };
}

const spec = labManagerSpec.parse({ address: "localhost", user: { name: "root" }, packages: ["bash"] });

describe("Manager facts (observe script run locally, not over SSH)", () => {
  it("reports this Debian machine in the ManagerFacts shape", async () => {
    const facts = await observeManager(localHost(), spec);
    assert.equal(facts.osFamily, "debian");
    assert.ok(facts.installed.includes("bash"), "bash is installed");
    const requested = new Set(observeArgs(spec)[2]!.split("\n"));
    assert.ok(
      facts.installed.every((p) => requested.has(p)),
      "only packages of the requested set",
    );
    assert.equal(facts.user.exists, true);
    assert.equal(facts.user.home, "/root");
    assert.ok(
      facts.links.some((l) => l.ifname === "lo"),
      "loopback listed",
    );
    assert.ok(facts.timezone.length > 0, "a timezone is reported");
  });

  it("hashes watched files like node does, and reports mode and owner", async () => {
    const dir = mkdtempSync(join(tmpdir(), "observe-"));
    try {
      const content = 'quote " backslash \\ tab \t done\n';
      const path = join(dir, "a file with spaces.conf");
      writeFileSync(path, content);
      chmodSync(path, 0o640);
      const args = observeArgs(spec);
      args[4] = `${path}\n${join(dir, "absent")}`;
      const facts = managerFacts.parse(await localHost().observe(OBSERVE_MANAGER, args, { purpose: "test" }));
      assert.deepEqual(
        Object.keys(facts.files).filter((p) => p.startsWith(dir)),
        [path],
      );
      assert.equal(facts.files[path]!.sha256, sha256(content));
      assert.equal(facts.files[path]!.mode, "640");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reports a user that does not exist as absent", async () => {
    const nobody = labManagerSpec.parse({ address: "localhost", user: { name: "lab_no_such_user" } });
    const facts = await observeManager(localHost(), nobody);
    assert.deepEqual(facts.user, { ...facts.user, exists: false, home: "", authorizedKeys: [] });
  });
});
