// The shortcuts' argv, with the example lab's names (LabManager lab → lab-root, VM tripleo):
// every remote argument arrives as typed, and the BMC password is in no argv, local or remote.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import {
  ipmitoolCall,
  openstackCall,
  podmanBashCall,
  podmanCall,
  podmanRestartCall,
  rsyncArgv,
  sshArgv,
  sshCall,
  vbmcCall,
  virshCall,
} from "../../../src/cli/ssh-shortcuts.js";

/** What the remote shell would run: bash parses the remote command into argv. */
function remoteArgv(command: string): string[] {
  const out = execFileSync("bash", ["-c", `set -- ${command}; printf '%s\\0' "$@"`], {
    encoding: "utf8",
    env: { PATH: process.env.PATH },
  });
  return out.split("\0").slice(0, -1);
}

test("virsh and vbmc run as root on the Manager's <name>-root alias, every argument quoted", () => {
  assert.deepEqual(sshArgv("/ws/ssh.config", virshCall("lab-root", ["net-list", "--all"], false)), [
    "-F",
    "/ws/ssh.config",
    "--",
    "lab-root",
    "virsh net-list --all",
  ]);
  assert.deepEqual(sshArgv("/ws/ssh.config", vbmcCall("lab-root", ["list"], true)), [
    "-F",
    "/ws/ssh.config",
    "-t",
    "--",
    "lab-root",
    "vbmc list",
  ]);
  assert.equal(vbmcCall("lab-root", ["add", "vm 1"], false).remoteCommand, "vbmc add 'vm 1'");
  assert.equal(
    vbmcCall("lab-root", ["list"], false, "/usr/local/bin/vbmc").remoteCommand,
    "/usr/local/bin/vbmc list",
  );
});

test("any virsh argument reaches the remote virsh as one word, unchanged", () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.string({ minLength: 1 }).filter((s) => !s.includes("\0")),
        { maxLength: 5 },
      ),
      (args) => {
        assert.deepEqual(remoteArgv(virshCall("lab-root", args, false).remoteCommand!), ["virsh", ...args]);
      },
    ),
    { numRuns: 50 },
  );
});

test("ssh takes an alias and the command words as ssh joins them; an option is no alias", () => {
  assert.deepEqual(sshArgv("/c", sshCall("lab", ["ls", "-al"])), ["-F", "/c", "--", "lab", "ls -al"]);
  assert.deepEqual(sshArgv("/c", sshCall("tripleo", [])), ["-F", "/c", "--", "tripleo"]);
  assert.throws(() => sshCall("--help", []), /"--help" is not an ssh.config alias/);
  assert.throws(() => sshCall("-o", ["X=1"]), /not an ssh.config alias/);
});

test("podman without arguments lists the containers; podman-bash and podman-restart name one", () => {
  assert.deepEqual(sshArgv("/c", podmanCall("tripleo", ["ps", "-a"], true)).slice(2), [
    "-t",
    "--",
    "tripleo",
    "sudo -n podman ps -a",
  ]);
  assert.equal(podmanCall("tripleo", [], false).remoteCommand, "sudo -n podman ps");
  assert.deepEqual(remoteArgv(podmanBashCall("tripleo", "mistral_engine", true).remoteCommand!), [
    "sudo",
    "-n",
    "podman",
    "exec",
    "--interactive",
    "--tty",
    "mistral_engine",
    "bash",
  ]);
  const call = podmanBashCall("tripleo", "mistral_engine", false);
  assert.equal(call.tty, false);
  assert.deepEqual(remoteArgv(call.remoteCommand!), [
    "sudo",
    "-n",
    "podman",
    "exec",
    "--interactive",
    "mistral_engine",
    "bash",
  ]);
  assert.deepEqual(remoteArgv(podmanRestartCall("tripleo", "ironic_conductor").remoteCommand!), [
    "sudo",
    "-n",
    "podman",
    "restart",
    "ironic_conductor",
  ]);
  for (const listing of [
    podmanBashCall("tripleo", undefined, true),
    podmanRestartCall("tripleo", undefined),
  ]) {
    assert.equal(listing.alias, "tripleo");
    assert.deepEqual(remoteArgv(listing.remoteCommand!), [
      "sudo",
      "-n",
      "podman",
      "ps",
      "--format",
      "{{.Names}}",
    ]);
  }
});

test("openstack arguments reach the client verbatim after stackrc is sourced", () => {
  const call = openstackCall("tripleo", ["server", "list", "--name", "a'b $(x)"], false);
  assert.equal(call.alias, "tripleo");
  // Run the remote command locally with stand-ins for stackrc and openstack to see the argv it produces.
  const script = `source() { :; }; openstack() { printf '%s\\n' "$@"; }; export -f source openstack; ${call.remoteCommand}`;
  const out = execFileSync("bash", ["-c", script.replace("exec openstack", "openstack")], {
    encoding: "utf8",
    env: { ...process.env, HOME: "/nonexistent" },
  });
  assert.deepEqual(out.trim().split("\n"), ["server", "list", "--name", "a'b $(x)"]);
});

const BMC = { managerRoot: "lab-root", address: "192.168.122.1", port: 6230, username: "admin" };

test("ipmitool runs on the Manager against the VM's BMC, the password only on stdin", () => {
  const dir = mkdtempSync(join(tmpdir(), "ipmitool-"));
  try {
    // A stand-in ipmitool that prints its argv and the password it was given through -E.
    writeFileSync(join(dir, "ipmitool"), '#!/bin/bash\nprintf "%s\\n" "$@" "pw=$IPMI_PASSWORD"\n');
    chmodSync(join(dir, "ipmitool"), 0o755);
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 20 }).filter((s) => !/[\0\r\n]/.test(s) && s.trim() === s),
        (password) => {
          const call = ipmitoolCall(BMC, password, ["power", "status"]);
          const argv = sshArgv("/ws/ssh.config", call);
          assert.deepEqual(argv.slice(0, 4), ["-F", "/ws/ssh.config", "--", "lab-root"]);
          assert.equal(call.tty, false, "a remote pty would echo the password line");
          // The argv is the same whatever the password: it cannot hold it.
          assert.deepEqual(
            argv,
            sshArgv("/ws/ssh.config", ipmitoolCall(BMC, "other-password", ["power", "status"])),
          );
          assert.deepEqual(remoteArgv(call.remoteCommand!), REMOTE_ARGV);
          const out = execFileSync("bash", ["-c", `${call.remoteCommand}`], {
            input: `${call.stdinLine}\n`,
            encoding: "utf8",
            env: { PATH: `${dir}:/usr/bin:/bin` },
          });
          assert.deepEqual(out.split("\n").slice(0, -1), [
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
            `pw=${password}`,
          ]);
        },
      ),
      { numRuns: 25 },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.throws(() => ipmitoolCall(BMC, "a\nb", ["power", "status"]), /line break/);
});

/** What runs on the Manager: no password among the words. */
const REMOTE_ARGV = [
  "bash",
  "-c",
  'IFS= read -r IPMI_PASSWORD || exit 2; export IPMI_PASSWORD; exec ipmitool -I lanplus -H "$1" -p "$2" -U "$3" -E "${@:4}"',
  "ipmitool",
  "192.168.122.1",
  "6230",
  "admin",
  "power",
  "status",
];

test("ipmitool's password is in no argv for the example lab's generated password", () => {
  const password = "Zr4QmW8pLx2Tn6Vb9Kc3";
  const call = ipmitoolCall(BMC, password, ["power", "status"]);
  const all = [...sshArgv("/ws/ssh.config", call), ...remoteArgv(call.remoteCommand!)].join(" ");
  assert.ok(!all.includes(password));
  assert.equal(call.stdinLine, password);
});

test("rsync's remote shell is ssh with the workspace's config, quoted for rsync's -e parser", () => {
  assert.deepEqual(rsyncArgv("/ws/ssh.config", ["lab:/etc/fstab", "."]), [
    "-e",
    "/usr/bin/ssh -F '/ws/ssh.config'",
    "lab:/etc/fstab",
    ".",
  ]);
  assert.deepEqual(rsyncArgv("/my ws/it's/ssh.config", ["-a", "x", "lab:"]).slice(0, 2), [
    "-e",
    `/usr/bin/ssh -F "/my ws/it's/ssh.config"`,
  ]);
  assert.throws(() => rsyncArgv(`/a'b"c/ssh.config`, []), /both kinds of quotes/);
});
