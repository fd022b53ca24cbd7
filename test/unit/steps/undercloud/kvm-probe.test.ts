/**
 * The observe script's KVM probe, run for real by bash with stand-ins for virsh (answering
 * from a recording, ../recorded-manager.ts) and the emulator on PATH (a test double: no
 * libvirt on the test machine). /dev/kvm is the real one.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { after, before, describe, it } from "node:test";
import { rawUndercloudFacts, undercloudFacts } from "../../../../src/steps/undercloud/facts.js";
import { OBSERVE_UNDERCLOUD } from "../../../../src/steps/undercloud/observe-script.js";
import { recordedManager, type RecordedCall } from "../recorded-manager.js";

const run = promisify(execFile);
const KVM = existsSync("/dev/kvm");

describe("the KVM probe of the undercloud observe script (stand-in virsh and emulator)", () => {
  let dir = "";
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "kvm-probe-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function observe(emulator: string, domainExists = false) {
    const virsh = (argv: string[], stdout: string, rc = 0): RecordedCall => ({
      tool: "virsh",
      argv: ["-q", "-c", "qemu:///system", ...argv],
      stdout,
      rc,
    });
    const dominfo = "State:          running\nAutostart:      enable\nPersistent:     yes\n";
    const env = await recordedManager(dir, [
      virsh(["uri"], "qemu:///system\n"),
      virsh(["dominfo", "--domain", "vm"], domainExists ? dominfo : "", domainExists ? 0 : 1),
      virsh(
        ["domcapabilities", "--virttype", "kvm"],
        `<domainCapabilities><path>${dir}/emulator</path></domainCapabilities>\n`,
      ),
    ]);
    await writeFile(join(dir, "emulator"), `#!/bin/bash\n${emulator}\n`);
    await chmod(join(dir, "emulator"), 0o755);
    const { stdout } = await run(
      "bash",
      [
        "-c",
        OBSERVE_UNDERCLOUD,
        "observe",
        "qemu:///system",
        "vm",
        "urn:x",
        "/nonexistent/d",
        "/nonexistent/s",
        "/nonexistent/b",
        "/nonexistent/c",
        "/nonexistent/m",
      ],
      { env: { ...process.env, ...env } },
    );
    return undercloudFacts(rawUndercloudFacts.parse(JSON.parse(stdout)));
  }

  it(
    "finds KVM unusable when a guest with the host CPU aborts (the nested MSR failure)",
    { skip: !KVM && "no /dev/kvm here" },
    async () => {
      const facts = await observe('echo "kvm_buf_set_msrs: Assertion failed." >&2; exit 134');
      assert.equal(facts.kvm, false);
      assert.match(facts.kvmDetail, /fails to start: kvm_buf_set_msrs: Assertion failed\./);
    },
  );

  it(
    "finds KVM usable when the paused guest is still alive after the probe's 3 s",
    { skip: !KVM && "no /dev/kvm here" },
    async () => {
      const facts = await observe("sleep 10");
      assert.equal(facts.kvm, true);
    },
  );

  it(
    "does not probe for a domain that exists (its type is decided already)",
    { skip: !KVM && "no /dev/kvm here" },
    async () => {
      const facts = await observe('touch "$(dirname "$0")/probed"; exit 134', true);
      assert.equal(facts.kvm, true);
      assert.match(facts.kvmDetail, /not probed/);
      assert.equal(existsSync(join(dir, "probed")), false);
    },
  );

  it("says there is no /dev/kvm when there is none", { skip: KVM && "/dev/kvm exists here" }, async () => {
    const facts = await observe("exit 0");
    assert.equal(facts.kvm, false);
    assert.match(facts.kvmDetail, /no \/dev\/kvm/);
  });
});
