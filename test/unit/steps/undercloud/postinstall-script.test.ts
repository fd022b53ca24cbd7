import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { CommandFailed } from "../../../../src/remote/errors.js";
import type { ExecOptions, ExecResult } from "../../../../src/remote/types.js";
import { applyContainerFile, CONTAINER_FILE } from "../../../../src/steps/undercloud/postinstall.js";
import type { ContainerFileAction } from "../../../../src/steps/undercloud/profile.js";
import { classify } from "../../../../src/util/errors.js";
import { RecordingHost, silent } from "./support.js";

// A unit test runs no container: podman and systemctl are test doubles (shell scripts on
// PATH) whose `exec` runs the command on this host, so the real script, patch(1) and the
// in-place write are exercised, with the container's file as a local file. The same script
// against a real podman container (ironic_conductor in the cloud-init test guest) is
// test/e2e/undercloud-cloud-init.test.ts.
const dir = mkdtempSync(join(tmpdir(), "postinstall-"));
const bin = join(dir, "bin");
const log = join(dir, "calls.log");
spawnSync("mkdir", ["-p", bin]);
writeFileSync(
  join(bin, "podman"),
  `#!/bin/sh
echo "podman $*" >>"$CALLS"
case $1 in
container) [ "$3" = ironic_conductor ] ;;
exec)
  shift
  while [ "\${1#-}" != "$1" ]; do case $1 in -u) shift 2 ;; *) shift ;; esac; done
  shift
  exec "$@" ;;
restart) exit 0 ;;
esac
`,
  { mode: 0o755 },
);
writeFileSync(
  join(bin, "systemctl"),
  `#!/bin/sh
echo "systemctl $*" >>"$CALLS"
[ "$1" != cat ]
`,
  { mode: 0o755 },
);
after(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[], stdin: string): { code: number; out: string; err: string; calls: string[] } {
  writeFileSync(log, "");
  const r = spawnSync("bash", ["-c", CONTAINER_FILE, "lab-operator", ...args], {
    input: stdin,
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, CALLS: log },
  });
  return {
    code: r.status ?? -1,
    out: r.stdout.toString(),
    err: r.stderr.toString(),
    calls: readFileSync(log, "utf8").trim().split("\n").filter(Boolean),
  };
}

const diff = `--- a/conductor.py
+++ b/conductor.py
@@ -1,3 +1,3 @@
 import os
-TIMEOUT = 30
+TIMEOUT = 300
 print(TIMEOUT)
`;

describe("the post-install container-file script (podman is a test double)", () => {
  it("applies a patch once, keeps the file's mode, detects it as applied after, and restarts each run", () => {
    const file = join(dir, "conductor.py");
    writeFileSync(file, "import os\nTIMEOUT = 30\nprint(TIMEOUT)\n");
    chmodSync(file, 0o640);
    const first = run(["ironic_conductor", file, "patch", "true", ""], diff);
    assert.equal(first.code, 0, first.err);
    assert.equal(readFileSync(file, "utf8"), "import os\nTIMEOUT = 300\nprint(TIMEOUT)\n");
    assert.equal(statSync(file).mode & 0o777, 0o640, "owner and mode kept: written in place");
    assert.match(first.out, /changed/);
    assert.ok(first.calls.includes("podman restart ironic_conductor"), first.calls.join("; "));
    const second = run(["ironic_conductor", file, "patch", "true", ""], diff);
    assert.equal(second.code, 0, second.err);
    assert.match(second.out, /already applied/);
    assert.equal(readFileSync(file, "utf8"), "import os\nTIMEOUT = 300\nprint(TIMEOUT)\n");
    assert.ok(!second.calls.some((c) => c.startsWith("podman exec -i")), "nothing written the second time");
    assert.ok(second.calls.includes("podman restart ironic_conductor"));
  });

  it("refuses a patch that applies neither way and leaves the file alone", () => {
    const file = join(dir, "other.py");
    writeFileSync(file, "something else\n");
    const r = run(["ironic_conductor", file, "patch", "true", ""], diff);
    assert.equal(r.code, 4);
    assert.match(r.err, /neither forward nor reversed/);
    assert.equal(readFileSync(file, "utf8"), "something else\n");
    assert.ok(!r.calls.some((c) => c.includes("restart")));
  });

  it("writes a whole content only when it differs, and restarts the named unit", () => {
    const file = join(dir, "x.conf");
    writeFileSync(file, "a = 1\n");
    const args = ["ironic_conductor", file, "content", "true", "tripleo_ironic_conductor.service"];
    const r = run(args, "a = 2\n");
    assert.equal(r.code, 0, r.err);
    assert.equal(readFileSync(file, "utf8"), "a = 2\n");
    assert.ok(r.calls.includes("systemctl restart tripleo_ironic_conductor.service"));
    assert.match(run(args, "a = 2\n").out, /as wanted/);
  });

  it("fails on a container that does not exist, changing nothing", () => {
    const r = run(["nova_api", join(dir, "none"), "content", "true", ""], "x\n");
    assert.equal(r.code, 3);
    assert.match(r.err, /container nova_api does not exist/);
  });
});

/** RemoteHost whose exec runs `bash -c SCRIPT` here, with the podman double on PATH, failing as exec does. */
class LocalScriptHost extends RecordingHost {
  override async exec(argv: readonly string[], opts: ExecOptions): Promise<ExecResult> {
    const r = spawnSync(argv[0]!, argv.slice(1), {
      input: opts.stdin === undefined ? "" : String(opts.stdin),
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, CALLS: log },
    });
    const result = { exitCode: r.status ?? -1, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
    if (result.exitCode !== 0)
      throw new CommandFailed(opts.purpose, result.exitCode, result.stderr.trim().split("\n"));
    return result;
  }
}

describe("a post-install step that cannot apply", () => {
  const action = (path: string, change: ContainerFileAction["change"], container = "ironic_conductor") => ({
    kind: "container-file" as const,
    purpose: `post-install 1: patch ${path} in container ${container}`,
    container,
    path,
    change,
    restart: true,
  });

  it("a diff that applies neither way is terminal (Stalled, PatchDoesNotApply) and names the file", async () => {
    const file = join(dir, "moved-on.py");
    writeFileSync(file, "the image's file changed\n");
    const err = await applyContainerFile(
      { host: new LocalScriptHost(), log: silent },
      action(file, { patch: diff }),
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    const c = classify(err);
    assert.equal(c.reason, "PatchDoesNotApply");
    assert.equal(c.retryable, false, "not retried with backoff: it cannot apply on a retry either");
    assert.ok(c.message.includes(file) && c.message.includes("spec.tripleo.postInstall"), c.message);
    assert.equal(readFileSync(file, "utf8"), "the image's file changed\n");
  });

  it("a container that is not there yet stays a retryable failure", async () => {
    const err = await applyContainerFile(
      { host: new LocalScriptHost(), log: silent },
      action(join(dir, "none"), { patch: diff }, "nova_api"),
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof CommandFailed, String(err));
    assert.equal(classify(err).retryable, true);
  });
});
