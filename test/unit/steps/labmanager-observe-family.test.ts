import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { labManagerSpec } from "../../../src/api/labmanager.js";
import { managerFacts, type ManagerFacts } from "../../../src/steps/labmanager/facts.js";
import { observeArgs } from "../../../src/steps/labmanager/observe.js";
import { OBSERVE_MANAGER } from "../../../src/steps/labmanager/observe-script.js";

const spec = labManagerSpec.parse({ address: "localhost", user: { name: "root" } });

/**
 * The observe script run on this (Debian) machine inside a private mount namespace whose
 * /etc/os-release is another distribution's, with stub `dnf`/`yum` commands first on PATH:
 * only which family and package manager observe reports is under test, not the installs.
 */
function observeAs(osRelease: string, stubs: string[]): ManagerFacts {
  const dir = mkdtempSync(join(tmpdir(), "observe-family-"));
  try {
    writeFileSync(join(dir, "os-release"), osRelease);
    for (const s of stubs) {
      writeFileSync(join(dir, s), "#!/bin/sh\nexit 0\n");
      chmodSync(join(dir, s), 0o755);
    }
    const inner = 'mount --bind "$1" /etc/os-release && shift && exec bash -c "$@"';
    const ns = process.getuid?.() === 0 ? ["-m"] : ["-r", "-m"];
    const r = spawnSync(
      "unshare",
      [
        ...ns,
        "bash",
        "-c",
        inner,
        "ns",
        join(dir, "os-release"),
        OBSERVE_MANAGER,
        "lab-operator",
        ...observeArgs(spec),
      ],
      { env: { ...process.env, PATH: `${dir}:${process.env.PATH ?? ""}` }, encoding: "utf8" },
    );
    assert.equal(r.status, 0, r.stderr);
    return managerFacts.parse(JSON.parse(r.stdout));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const CENTOS7 = 'NAME="CentOS Linux"\nID="centos"\nID_LIKE="rhel fedora"\nVERSION_ID="7"\n';
const ROCKY9 = 'NAME="Rocky Linux"\nID="rocky"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.4"\n';
const DEBIAN = 'NAME="Debian GNU/Linux"\nID=debian\nVERSION_ID="12"\n';

describe("observe: OS family from os-release first, then the package manager present", () => {
  it("CentOS 7 with yum and no dnf is el, installing with yum", () => {
    const facts = observeAs(CENTOS7, ["yum"]);
    assert.equal(facts.osFamily, "el");
    assert.equal(facts.elPackageManager, "yum");
    assert.deepEqual(facts.os, { id: "centos", idLike: "rhel fedora", versionId: "7" });
  });

  it("an EL 9 host is el with dnf, even where apt-get exists too (the EL sandbox)", () => {
    const facts = observeAs(ROCKY9, ["dnf", "yum"]);
    assert.equal(facts.osFamily, "el");
    assert.equal(facts.elPackageManager, "dnf");
  });

  it("a Debian host with dnf installed stays debian", () => {
    const facts = observeAs(DEBIAN, ["dnf"]);
    assert.equal(facts.osFamily, "debian");
  });
});
