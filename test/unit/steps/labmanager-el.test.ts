import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { planManager } from "../../../src/steps/labmanager/plan.js";
import { RPM_INSTALL } from "../../../src/steps/labmanager/packages.js";
import type { Step } from "../../../src/steps/types.js";
import { bareEl, converged, inputs, recordingHost, seedSpec } from "./manager-fixtures.js";

const ids = (steps: Step[]) => steps.map((s) => s.id);
const step = (steps: Step[], id: string) => steps.find((s) => s.id === id)!;
const scriptArgs = (argv: readonly string[]) => argv.slice(4);
const CENTOS7 = { id: "centos", idLike: "rhel fedora", versionId: "7" };
const EL8 = { id: "almalinux", idLike: "rhel centos fedora", versionId: "8.9" };

describe("EL repositories and package managers (rendered plans)", () => {
  it("EL 9: EPEL in its own step before the packages; no newer-qemu repository exists there", () => {
    const steps = planManager(seedSpec(), bareEl(), inputs);
    assert.deepEqual(ids(steps).slice(0, 2), ["repositories", "packages"]);
    assert.equal(
      step(steps, "repositories").description,
      "install repository packages epel-release with dnf",
    );
    assert.match(step(steps, "packages").description, /qemu-kvm .*cloud-utils.* with dnf$/);
    assert.doesNotMatch(step(steps, "packages").description, /epel-release|centos-release/);
  });

  it("EL 8: newerQemu installs Advanced Virtualization's release package before qemu-kvm", async () => {
    const steps = planManager(seedSpec(), bareEl(EL8), inputs);
    assert.deepEqual(ids(steps).slice(0, 2), ["repositories", "packages"]);
    const { calls, ctx } = recordingHost();
    await step(steps, "repositories").apply(ctx);
    await step(steps, "packages").apply(ctx);
    assert.deepEqual(scriptArgs(calls[0]!.argv), [
      "dnf",
      "-",
      "epel-release",
      "centos-release-advanced-virtualization",
    ]);
    assert.deepEqual(scriptArgs(calls[1]!.argv).slice(0, 3), ["dnf", "-", "qemu-kvm"]);
  });

  it("EL 8: a newer qemu enabled after qemu-kvm was installed upgrades it from the new repository", async () => {
    const spec = seedSpec();
    const facts = converged(spec, "el");
    facts.os = EL8;
    facts.installed = facts.installed.filter((p) => p !== "centos-release-advanced-virtualization");
    const steps = planManager(spec, facts, inputs);
    assert.deepEqual(ids(steps), ["repositories"]);
    const { calls, ctx } = recordingHost();
    await steps[0]!.apply(ctx);
    assert.deepEqual(calls[1]!.argv, ["dnf", "-y", "upgrade", "qemu-kvm"]);
  });

  it("CentOS 7: yum, the seed's qemu-ev (qemu-kvm-ev) and EPEL's python36-libvirt", async () => {
    const steps = planManager(seedSpec(), bareEl(CENTOS7), inputs);
    const { calls, ctx } = recordingHost();
    await step(steps, "repositories").apply(ctx);
    await step(steps, "packages").apply(ctx);
    assert.deepEqual(scriptArgs(calls[0]!.argv), ["yum", "-", "epel-release", "centos-release-qemu-ev"]);
    const pkgs = scriptArgs(calls[1]!.argv);
    assert.equal(pkgs[0], "yum");
    assert.ok(pkgs.includes("qemu-kvm-ev") && pkgs.includes("python36-libvirt"), pkgs.join(" "));
    assert.ok(!pkgs.includes("qemu-kvm") && !pkgs.includes("python3-libvirt"), pkgs.join(" "));
    assert.match(step(steps, "packages").description, / with yum$/);
  });

  it("CentOS 7 without newerQemu or EPEL: plain qemu-kvm and no repository step", () => {
    const spec = seedSpec({ repositories: { epel: false, newerQemu: false } });
    const steps = planManager(spec, bareEl(CENTOS7), inputs);
    assert.ok(!ids(steps).includes("repositories"));
    assert.match(step(steps, "packages").description, / qemu-kvm /);
  });

  it("a converged EL host plans nothing; a removed repository package is drift", () => {
    const spec = seedSpec();
    const facts = converged(spec, "el");
    assert.deepEqual(ids(planManager(spec, facts, { ...inputs, wasConverged: true })), []);
    facts.installed = facts.installed.filter((p) => p !== "epel-release");
    const steps = planManager(spec, facts, { ...inputs, wasConverged: true });
    assert.deepEqual(ids(steps), ["repositories"]);
    assert.equal(steps[0]!.drift, "repository packages removed: epel-release");
  });

  it("an idle socket-activated libvirtd is up on EL 8+; CentOS 7 enables libvirtd alone", () => {
    const spec = seedSpec();
    const facts = converged(spec, "el");
    facts.services.libvirtd = { active: "inactive", enabled: "enabled" };
    facts.services.libvirtdSocket = { active: "active", enabled: "enabled" };
    assert.deepEqual(ids(planManager(spec, facts, inputs)), []);
    facts.services.libvirtdSocket = { active: "inactive", enabled: "not-found" };
    const steps = planManager(spec, facts, inputs);
    assert.deepEqual(ids(steps), ["libvirtd"]);
    assert.match(steps[0]!.description, /^enable and start libvirtd \(/);
  });
});

/**
 * RPM_INSTALL run for real by bash against doubles of rpm and of the package manager
 * (small scripts keeping "installed" marks in a directory): what the script decides, not
 * what dnf or yum do.
 */
function withDoubles(run: (dir: string, exec: (args: string[]) => { code: number; err: string }) => void) {
  const dir = mkdtempSync(join(tmpdir(), "rpm-install-"));
  try {
    writeFileSync(join(dir, "rpm"), '#!/bin/sh\n[ "$1" = -q ] && [ -e "$STATE/$2" ]\n');
    const pm = `#!/bin/sh
echo "$0 $*" >>"$STATE/log"
[ "$2" = install ] || exit 0
shift 2
for p in "$@"; do [ -e "$STATE/unavailable-$p" ] || touch "$STATE/$p"; done
exit 0
`;
    for (const name of ["dnf", "yum"]) writeFileSync(join(dir, name), pm);
    for (const name of ["rpm", "dnf", "yum"]) chmodSync(join(dir, name), 0o755);
    const exec = (args: string[]) => {
      const r = spawnSync("bash", ["-c", RPM_INSTALL, "lab-operator", ...args], {
        env: { PATH: `${dir}:${process.env.PATH ?? ""}`, STATE: dir },
        encoding: "utf8",
      });
      return { code: r.status ?? -1, err: r.stderr };
    };
    run(dir, exec);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("RPM_INSTALL with rpm and dnf/yum doubles", () => {
  it("installs only what is missing, with the package manager it is given", () => {
    withDoubles((dir, exec) => {
      writeFileSync(join(dir, "libvirt"), "");
      assert.equal(exec(["yum", "-", "libvirt", "qemu-kvm-ev"]).code, 0);
      assert.equal(readFileSync(join(dir, "log"), "utf8"), `${dir}/yum -y install qemu-kvm-ev\n`);
      assert.equal(exec(["yum", "-", "libvirt", "qemu-kvm-ev"]).code, 0, "nothing left to do");
      assert.equal(readFileSync(join(dir, "log"), "utf8").split("\n").length, 2, "no second install");
    });
  });

  it("fails naming the package when yum exits 0 without installing it", () => {
    withDoubles((dir, exec) => {
      writeFileSync(join(dir, "unavailable-python3-libvirt"), "");
      const r = exec(["yum", "-", "wget", "python3-libvirt"]);
      assert.equal(r.code, 1);
      assert.match(r.err, /yum installed nothing for: python3-libvirt/);
    });
  });

  it("upgrades first when asked, and refuses an unknown package manager", () => {
    withDoubles((dir, exec) => {
      assert.equal(exec(["dnf", "upgrade"]).code, 0);
      assert.equal(readFileSync(join(dir, "log"), "utf8"), `${dir}/dnf -y upgrade\n`);
      const r = exec(["apt-get", "-", "wget"]);
      assert.equal(r.code, 2);
      assert.match(r.err, /unknown package manager: apt-get/);
    });
  });
});
