import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { byIndex, parseRecord, sshAliasFor } from "../../../src/cli/commands/sandbox-scripts.js";

/** A record as test/sandbox/up.sh writes it (two containers, listed out of order). */
const RECORD = JSON.stringify({
  version: 1,
  stateDir: "/var/lib/lab-operator/sandbox",
  identityFile: "/w/keys/root@manager",
  authorizedKeyFile: "/w/keys/root@manager.pub",
  knownHostsFile: "/var/lib/lab-operator/sandbox/known_hosts",
  bridge: { name: "labsbx0", subnet: "10.77.0", address: "10.77.0.1/24", created: true },
  nftTable: { family: "inet", name: "labsandbox_labsbx0", uplink: "eth0", created: true },
  ipForward: { previous: "0", changed: true },
  containers: [3, 1].map((i) => ({
    name: `labmgr-${i}`,
    index: i,
    address: `10.77.0.${10 + i}`,
    variant: "bare",
    rootfs: `/var/lib/lab-operator/sandbox/machines/labmgr-${i}/rootfs`,
    log: `/var/lib/lab-operator/sandbox/machines/labmgr-${i}/console.log`,
    veth: `vb-labmgr-${i}`,
    hostKeyLine: `ssh-ed25519 AAAAkey${i}`,
    fingerprint: `SHA256:fp${i}`,
    pid: 100 + i,
    systemState: "running",
  })),
});

describe("sandbox record", () => {
  it("lists containers by index whatever order the record holds them in", () => {
    assert.deepEqual(
      byIndex(parseRecord(RECORD)).map((c) => c.name),
      ["labmgr-1", "labmgr-3"],
    );
  });

  it("ties ssh aliases to the index: manager-root for 1, manager-root-<i> for the rest", () => {
    const [first, third] = byIndex(parseRecord(RECORD));
    assert.equal(sshAliasFor(first!), "manager-root");
    assert.equal(sshAliasFor(third!), "manager-root-3");
  });

  it("refuses a record whose container lacks its pinned host key", () => {
    const broken = JSON.parse(RECORD) as { containers: Record<string, unknown>[] };
    delete broken.containers[0]!.hostKeyLine;
    assert.throws(() => parseRecord(JSON.stringify(broken)), /hostKeyLine/);
  });
});
