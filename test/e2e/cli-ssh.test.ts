import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { fetchResults } from "../../src/cli/fetch-results.js";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Workspace } from "../../src/workspace/workspace.js";
import { startSshd, type TestSshd } from "./support/sshd.js";

const run = promisify(execFile);
const labctlSshOnly = join(import.meta.dirname, "support", "ssh-cli.ts");

describe("labctl ssh: plain /usr/bin/ssh with the workspace's config", () => {
  let manager: TestSshd;
  let vm: TestSshd;
  let ws: Workspace;

  before(async () => {
    [manager, vm] = await Promise.all([startSshd(), startSshd()]);
    ws = new Workspace(mkdtempSync(join(tmpdir(), "ws-cli-")));
    const key = await ws.ensureKeyPair("root@manager");
    manager.authorize("root", key.publicKey);
    vm.authorize("root", key.publicKey);
    await ws.pinHostKey(manager.host, manager.port, manager.hostPublicKey);
    await ws.pinHostKey(vm.host, vm.port, vm.hostPublicKey);
    const common = { user: "root", identityFile: key.privateKeyPath };
    await ws.setSshConfigHost({
      alias: "manager-root",
      hostName: manager.host,
      port: manager.port,
      ...common,
    });
    await ws.setSshConfigHost({
      alias: "tripleo",
      hostName: vm.host,
      port: vm.port,
      proxyJump: "manager-root",
      ...common,
    });
  });
  after(async () => {
    await Promise.all([manager.stop(), vm.stop()]);
    rmSync(ws.dir, { recursive: true, force: true });
  });

  const labctlSsh = (...args: string[]) =>
    run(process.execPath, ["--import", "tsx", labctlSshOnly, "ssh", "--workspace", ws.dir, ...args], {
      timeout: 60_000,
    });

  test("runs a command on an alias with strict host key checking against the pinned key", async () => {
    const { stdout } = await labctlSsh("manager-root", "echo", "$SSH_CONNECTION");
    assert.equal(stdout.trim().split(" ")[2], manager.host);
  });

  test("reaches the VM alias through ProxyJump", async () => {
    const { stdout } = await labctlSsh("tripleo", "echo", "$SSH_CONNECTION");
    assert.equal(stdout.trim().split(" ")[2], vm.host);
  });

  test("exits with the remote command's status", async () => {
    await assert.rejects(labctlSsh("manager-root", "exit 3"), (err: { code?: number }) => err.code === 3);
  });

  test("fetch-results copies the existing paths into results/<stamp>/<alias>", async () => {
    const logs = join(ws.dir, "..", `remote-logs-${process.pid}`);
    mkdirSync(join(logs, "qemu"), { recursive: true });
    writeFileSync(join(logs, "qemu", "vm.log"), "booted\n");
    try {
      const dir = await fetchResults(
        ws.dir,
        "manager-root",
        [logs, "~/no-such-file", "/no/such/dir"],
        "stamp1",
      );
      assert.equal(dir, join(ws.dir, "results", "stamp1", "manager-root"));
      assert.equal(readFileSync(join(dir, logs.replace(/^\//, ""), "qemu", "vm.log"), "utf8"), "booted\n");
      assert.equal(await fetchResults(ws.dir, "manager-root", ["/no/such/dir"], "stamp2"), undefined);
    } finally {
      rmSync(logs, { recursive: true, force: true });
    }
  });

  test("the full labctl has the ssh command wired in", async () => {
    const labctl = join(import.meta.dirname, "..", "..", "bin", "labctl.js");
    const missing = join(ws.dir, "no-such-workspace");
    await assert.rejects(
      run(process.execPath, [labctl, "ssh", "--workspace", missing, "manager-root", "true"], {
        env: { ...process.env, LABCTL_FROM_SOURCE: "1" },
      }),
      (err: { stderr?: string }) => (err.stderr ?? "").includes(`${missing}/ssh.config does not exist yet`),
    );
  });

  test("refuses a host whose key is not the pinned one", async () => {
    await ws.pinHostKey(manager.host, manager.port, vm.hostPublicKey);
    await assert.rejects(labctlSsh("manager-root", "true"), (err: { stderr?: string }) =>
      /HOST IDENTIFICATION HAS CHANGED|verification failed/i.test(err.stderr ?? ""),
    );
    await ws.pinHostKey(manager.host, manager.port, manager.hostPublicKey);
  });
});
