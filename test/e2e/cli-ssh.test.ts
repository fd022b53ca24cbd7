// The shortcuts over plain /usr/bin/ssh with the workspace's ssh.config, against two loopback
// sshds standing in for the example lab's Manager (lab-root) and VM (tripleo). The objects
// come from the state directory, as `labctl apply -f manifests/` leaves it: no flag needed.
// The hosts' virsh, vbmc, ipmitool, podman and sudo are stand-ins that print what they got
// (a forced command puts them first in PATH), so each shortcut's remote argv is checked.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { fetchResults } from "../../src/cli/fetch-results.js";
import { loadLabObjects } from "../../src/cli/lab-objects.js";
import { emptyState } from "../../src/controllers/state.js";
import { FileStateStore } from "../../src/modes/file/filestate.js";
import { Workspace } from "../../src/workspace/workspace.js";
import { startSshd, type TestSshd } from "./support/sshd.js";

const run = promisify(execFile);
const labctlSshOnly = join(import.meta.dirname, "support", "ssh-cli.ts");
const manifestsDir = fileURLToPath(new URL("../../manifests/", import.meta.url));

/** Stand-ins on the hosts: each prints its name and arguments, one per line. */
const STAND_INS: Record<string, string> = {
  virsh: 'printf "%s\\n" virsh "$@"',
  vbmc: 'printf "%s\\n" vbmc "$@"',
  podman: 'printf "%s\\n" podman "$@"',
  sudo: '[ "$1" = -n ] && shift; exec "$@"',
  // The password must arrive in the environment, and be in no process's argv on this machine
  // (the local ssh, the remote shell and this process all run here).
  ipmitool: `printf "%s\\n" ipmitool "$@" "password=$IPMI_PASSWORD"
f=$(mktemp); printf '%s\\n' "$IPMI_PASSWORD" > "$f"
if grep -l -a -F -f "$f" /proc/[0-9]*/cmdline 2>/dev/null; then echo "PASSWORD IN ARGV"; fi
rm -f "$f"`,
};

describe("labctl ssh shortcuts: plain /usr/bin/ssh with the workspace's config", () => {
  let manager: TestSshd;
  let vm: TestSshd;
  let ws: Workspace;
  let fakeBin = "";
  let bmcPassword = "";

  before(async () => {
    [manager, vm] = await Promise.all([startSshd(), startSshd()]);
    ws = new Workspace(mkdtempSync(join(tmpdir(), "ws-cli-")));
    fakeBin = join(ws.dir, "..", `fake-bin-${process.pid}`);
    mkdirSync(fakeBin, { recursive: true });
    for (const [name, body] of Object.entries(STAND_INS)) {
      writeFileSync(join(fakeBin, name), `#!/bin/bash\n${body}\n`);
      chmodSync(join(fakeBin, name), 0o755);
    }
    const key = await ws.ensureKeyPair("root@manager");
    const forced = `command="PATH=${fakeBin}:$PATH; eval \\"$SSH_ORIGINAL_COMMAND\\"" `;
    manager.authorize("root", forced + key.publicKey);
    vm.authorize("root", forced + key.publicKey);
    await ws.pinHostKey(manager.host, manager.port, manager.hostPublicKey);
    await ws.pinHostKey(vm.host, vm.port, vm.hostPublicKey);
    const common = { user: "root", identityFile: key.privateKeyPath };
    await ws.setSshConfigHost({ alias: "lab-root", hostName: manager.host, port: manager.port, ...common });
    await ws.setSshConfigHost({
      alias: "tripleo",
      hostName: vm.host,
      port: vm.port,
      proxyJump: "lab-root",
      ...common,
    });
    // What `labctl apply -f manifests/` leaves: each object's last good spec, the BMC password.
    const store = new FileStateStore(join(ws.dir, "state"));
    const example = await loadLabObjects({ workspace: ws.dir, file: [manifestsDir] });
    for (const o of example.objects) {
      // vbmc is the one linked beside spec.virtualBMC.executable: here, the stand-in.
      if (o.kind === "LabManager") o.spec.virtualBMC.executable = join(fakeBin, "vbmcd");
      await store.save({ ...emptyState(o.kind, o.metadata.namespace, o.metadata.name), lastGoodObject: o });
    }
    const owner = { kind: "TripleOUndercloud" as const, namespace: "default", name: "tripleo" };
    bmcPassword = (await ws.passwordFor(owner, "bmc", "bmc@tripleo")).slice(0, 20);
  });
  after(async () => {
    await Promise.all([manager.stop(), vm.stop()]);
    rmSync(ws.dir, { recursive: true, force: true });
    rmSync(fakeBin, { recursive: true, force: true });
  });

  const labctl = (...args: string[]) => {
    const [command, ...rest] = args;
    return run(
      process.execPath,
      ["--import", "tsx", labctlSshOnly, command!, "--workspace", ws.dir, ...rest],
      {
        timeout: 60_000,
      },
    );
  };
  const lines = (out: { stdout: string }) => out.stdout.trimEnd().split("\n");

  test("runs a command on an alias with strict host key checking against the pinned key", async () => {
    const { stdout } = await labctl("ssh", "lab-root", "echo", "$SSH_CONNECTION");
    assert.equal(stdout.trim().split(" ")[2], manager.host);
  });

  test("reaches the VM alias through ProxyJump", async () => {
    const { stdout } = await labctl("ssh", "tripleo", "echo", "$SSH_CONNECTION");
    assert.equal(stdout.trim().split(" ")[2], vm.host);
  });

  test("an alias ssh.config lacks is named with the ones it has, before ssh runs", async () => {
    await assert.rejects(labctl("ssh", "manager-root", "true"), (err: { stderr?: string }) =>
      /manager-root: no such alias in .*ssh\.config \(there: lab-root, tripleo\)/.test(err.stderr ?? ""),
    );
  });

  test("exits with the remote command's status", async () => {
    await assert.rejects(labctl("ssh", "lab-root", "exit 3"), (err: { code?: number }) => err.code === 3);
  });

  test("--help before the alias is labctl's; after it, the remote command's", async () => {
    const help = await labctl("ssh", "--help");
    assert.match(help.stdout, /Usage: labctl ssh \[options\] <alias> \[command\.\.\.\]/);
    assert.deepEqual(lines(await labctl("ssh", "lab-root", "echo", "--help")), ["--help"]);
    for (const shortcut of [
      "virsh",
      "vbmc",
      "ipmitool",
      "rsync",
      "podman",
      "podman-bash",
      "podman-restart",
      "openstack",
    ])
      assert.match(
        (await labctl(shortcut, "--help")).stdout,
        new RegExp(`Usage: labctl ${shortcut} `),
        shortcut,
      );
    assert.deepEqual(lines(await labctl("virsh", "net-list", "--help")), ["virsh", "net-list", "--help"]);
  });

  test("virsh and vbmc reach the example lab's Manager as lab-root, with no flag", async () => {
    assert.deepEqual(lines(await labctl("virsh", "net-list", "--all")), ["virsh", "net-list", "--all"]);
    assert.deepEqual(lines(await labctl("vbmc", "list")), ["vbmc", "list"]);
    // -f: the same lab from its manifests.
    assert.deepEqual(lines(await labctl("virsh", "-f", manifestsDir, "--manager", "lab", "list")), [
      "virsh",
      "list",
    ]);
    await assert.rejects(labctl("virsh", "--manager", "nope", "list"), (err: { stderr?: string }) =>
      /--manager nope: no LabManager of that name in the state directory .*\(there: lab\)/.test(
        err.stderr ?? "",
      ),
    );
  });

  test("ipmitool tripleo runs on lab-root against its BMC, the password in no argv", async () => {
    const out = lines(await labctl("ipmitool", "tripleo", "power", "status"));
    assert.deepEqual(out, [
      "ipmitool",
      "-I",
      "lanplus",
      "-H",
      "192.168.122.1",
      "-p",
      "6230",
      "-U",
      "admin",
      "-E",
      "power",
      "status",
      `password=${bmcPassword}`,
    ]);
  });

  test("podman lists the containers without arguments; podman-bash and podman-restart name one", async () => {
    assert.deepEqual(lines(await labctl("podman", "tripleo")), ["podman", "ps"]);
    assert.deepEqual(lines(await labctl("podman", "tripleo", "ps", "-a")), ["podman", "ps", "-a"]);
    assert.deepEqual(lines(await labctl("podman-bash", "tripleo")), [
      "podman",
      "ps",
      "--format",
      "{{.Names}}",
    ]);
    assert.deepEqual(lines(await labctl("podman-bash", "tripleo", "mistral_engine")), [
      "podman",
      "exec",
      "--interactive",
      "mistral_engine",
      "bash",
    ]);
    assert.deepEqual(lines(await labctl("podman-restart", "tripleo", "ironic_conductor")), [
      "podman",
      "restart",
      "ironic_conductor",
    ]);
  });

  test("rsync copies both ways over the workspace's ssh.config", async () => {
    const remote = join(ws.dir, "..", `rsync-remote-${process.pid}`);
    const local = join(ws.dir, "..", `rsync-local-${process.pid}`);
    mkdirSync(remote, { recursive: true });
    mkdirSync(local, { recursive: true });
    writeFileSync(join(remote, "fstab"), "UUID=x / xfs defaults 0 0\n");
    writeFileSync(join(local, "up.txt"), "pushed\n");
    try {
      await labctl("rsync", `lab-root:${remote}/fstab`, `${local}/`);
      assert.equal(readFileSync(join(local, "fstab"), "utf8"), "UUID=x / xfs defaults 0 0\n");
      await labctl("rsync", "-a", join(local, "up.txt"), `tripleo:${remote}/`);
      assert.equal(readFileSync(join(remote, "up.txt"), "utf8"), "pushed\n");
    } finally {
      rmSync(remote, { recursive: true, force: true });
      rmSync(local, { recursive: true, force: true });
    }
  });

  test("fetch-results copies the existing paths into results/<stamp>/<alias>", async () => {
    const logs = join(ws.dir, "..", `remote-logs-${process.pid}`);
    mkdirSync(join(logs, "qemu"), { recursive: true });
    writeFileSync(join(logs, "qemu", "vm.log"), "booted\n");
    try {
      const dir = await fetchResults(ws.dir, "lab-root", [logs, "~/no-such-file", "/no/such/dir"], "stamp1");
      assert.equal(dir, join(ws.dir, "results", "stamp1", "lab-root"));
      assert.equal(readFileSync(join(dir, logs.replace(/^\//, ""), "qemu", "vm.log"), "utf8"), "booted\n");
      assert.equal(await fetchResults(ws.dir, "lab-root", ["/no/such/dir"], "stamp2"), undefined);
    } finally {
      rmSync(logs, { recursive: true, force: true });
    }
  });

  test("fetch-results without flags asks the lab's own aliases, and refuses others", async () => {
    const { stdout } = await labctl("fetch-results");
    assert.match(stdout, /^lab-root: /m);
    assert.match(stdout, /^tripleo: /m);
    await assert.rejects(labctl("fetch-results", "manager-root"), (err: { stderr?: string }) =>
      /manager-root: not an alias of this lab \(lab-root, tripleo\)/.test(err.stderr ?? ""),
    );
  });

  test("the full labctl has the shortcuts wired in", async () => {
    const labctlBin = join(import.meta.dirname, "..", "..", "bin", "labctl.js");
    const missing = join(ws.dir, "no-such-workspace");
    const env = { ...process.env, LABCTL_FROM_SOURCE: "1" };
    await assert.rejects(
      run(process.execPath, [labctlBin, "ssh", "--workspace", missing, "lab-root", "true"], { env }),
      (err: { stderr?: string }) => (err.stderr ?? "").includes(`${missing}/ssh.config does not exist yet`),
    );
    for (const shortcut of ["rsync", "ipmitool", "podman-bash", "podman-restart", "fetch-results"]) {
      const { stdout } = await run(process.execPath, [labctlBin, shortcut, "--help"], { env });
      assert.match(stdout, new RegExp(`Usage: labctl ${shortcut} `));
    }
  });

  test("refuses a host whose key is not the pinned one", async () => {
    await ws.pinHostKey(manager.host, manager.port, vm.hostPublicKey);
    await assert.rejects(labctl("ssh", "lab-root", "true"), (err: { stderr?: string }) =>
      /HOST IDENTIFICATION HAS CHANGED|verification failed/i.test(err.stderr ?? ""),
    );
    await ws.pinHostKey(manager.host, manager.port, manager.hostPublicKey);
  });
});
