/**
 * `labctl sandbox`: the containers wired into a workspace, so that plain
 * `ssh -F workspace/ssh.config manager-root` reaches the Manager with a pinned host key.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { freeNetwork, skipUnlessSandboxCapable } from "./support/sandbox.js";

const run = promisify(execFile);
const LABCTL = fileURLToPath(new URL("../../bin/labctl.js", import.meta.url));
const skip = skipUnlessSandboxCapable();

describe("labctl sandbox", { skip }, () => {
  let dir = "";
  let common: string[] = [];
  const labctl = (...args: string[]) =>
    run(process.execPath, [LABCTL, "sandbox", ...args, ...common], { timeout: 20 * 60_000 });
  const sshAlias = (alias: string, ...command: string[]) =>
    run("ssh", ["-F", join(dir, "ws", "ssh.config"), "-o", "BatchMode=yes", alias, ...command], {
      timeout: 60_000,
    });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "labctl-sandbox-"));
    common = ["--workspace", join(dir, "ws"), "--state-dir", join(dir, "state")];
  });
  after(async () => {
    if (existsSync(join(dir, "state", "sandbox.json"))) await labctl("down");
    await rm(dir, { recursive: true, force: true });
  });

  it(
    "up boots two Managers reachable as manager-root and manager-root-2",
    { timeout: 20 * 60_000 },
    async () => {
      const { bridge, subnet } = await freeNetwork();
      const { stdout } = await labctl(
        "up",
        "--count",
        "2",
        "--prefix",
        "labcli",
        "--bridge",
        bridge,
        "--subnet",
        subnet,
      );
      const out = JSON.parse(stdout) as { managers: { name: string; ssh: string; fingerprint: string }[] };
      assert.deepEqual(
        out.managers.map((m) => [m.name, m.ssh]),
        [
          ["labcli-1", "manager-root"],
          ["labcli-2", "manager-root-2"],
        ],
      );
      assert.equal((await sshAlias("manager-root", "hostname")).stdout.trim(), "labcli-1");
      assert.equal((await sshAlias("manager-root-2", "hostname")).stdout.trim(), "labcli-2");
      const knownHosts = await readFile(join(dir, "ws", "known_hosts"), "utf8");
      assert.ok(knownHosts.includes(`${subnet}.11 ssh-ed25519 `), knownHosts);
      assert.ok(knownHosts.includes(`${subnet}.12 ssh-ed25519 `), knownHosts);
    },
  );

  it("status reports both running and reachable", async () => {
    const status = JSON.parse((await labctl("status")).stdout) as {
      containers: { running: boolean; reachable: boolean }[];
    };
    assert.deepEqual(
      status.containers.map((c) => [c.running, c.reachable]),
      [
        [true, true],
        [true, true],
      ],
    );
  });

  it("down removes the containers and their ssh.config blocks", async () => {
    await labctl("down");
    const sshConfig = await readFile(join(dir, "ws", "ssh.config"), "utf8");
    assert.doesNotMatch(sshConfig, /Host manager-root/);
    assert.equal(existsSync(join(dir, "state", "sandbox.json")), false);
  });
});
