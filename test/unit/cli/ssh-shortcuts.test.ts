import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { openstackCall, podmanCall, sshArgv, vbmcCall, virshCall } from "../../../src/cli/ssh-shortcuts.js";

test("shortcuts target the right alias and quote every argument", () => {
  assert.deepEqual(sshArgv("/ws/ssh.config", virshCall(["net-list", "--all"], false)), [
    "-F",
    "/ws/ssh.config",
    "--",
    "manager-root",
    "virsh net-list --all",
  ]);
  assert.equal(vbmcCall(["add", "vm 1"], false).remoteCommand, "vbmc add 'vm 1'");
  assert.deepEqual(sshArgv("/c", podmanCall("tripleo", ["ps"], true)).slice(2), [
    "-t",
    "--",
    "tripleo",
    "sudo -n podman ps",
  ]);
});

test("openstack arguments reach the client verbatim after stackrc is sourced", () => {
  const call = openstackCall(["server", "list", "--name", "a'b $(x)"], false);
  assert.equal(call.alias, "tripleo");
  // Run the remote command locally with stand-ins for stackrc and openstack to see the argv it produces.
  const script = `source() { :; }; openstack() { printf '%s\\n' "$@"; }; export -f source openstack; ${call.remoteCommand}`;
  const out = execFileSync("bash", ["-c", script.replace("exec openstack", "openstack")], {
    encoding: "utf8",
    env: { ...process.env, HOME: "/nonexistent" },
  });
  assert.deepEqual(out.trim().split("\n"), ["server", "list", "--name", "a'b $(x)"]);
});
