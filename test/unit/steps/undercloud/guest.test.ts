import assert from "node:assert/strict";
import { WAIT_FOR_FIRST_BOOT } from "../../../../src/steps/undercloud/first-boot.js";
import { describe, it } from "node:test";
import { guestTarget, planGuest } from "../../../../src/steps/undercloud/guest.js";
import { applyGuestPlan } from "../../../../src/steps/undercloud/journal.js";
import { guestProfile, renderProfile } from "../../../../src/steps/undercloud/profile.js";
import { parseStamp, type Phase } from "../../../../src/steps/undercloud/stamp.js";
import { SHELL_RC_START } from "../../../../src/render/shell-rc.js";
import { guestVariables } from "../../../../src/steps/undercloud/variables.js";
import { OWNER, RecordingHost, silent, spec } from "./support.js";

const profile = guestProfile.parse({
  name: "t",
  description: "",
  phases: [
    {
      phase: "packages",
      steps: [
        { purpose: "install", sudo: true, run: ["pkg", "{{packages...}}"] },
        { purpose: "rc", shellRc: "{{home}}/.bashrc" },
        { purpose: "boot", reboot: true },
      ],
    },
    {
      phase: "configured",
      steps: [{ purpose: "conf", upload: "undercloud.conf", path: "{{home}}/undercloud.conf" }],
    },
    { phase: "installed", steps: [{ purpose: "install", run: ["install-it"] }] },
  ],
});
const who = { user: "tripleo", home: "/home/tripleo", fqdn: "t.localdomain" };
const rendered = renderProfile(profile, guestVariables(spec(), who));
const files = { "undercloud.conf": "[DEFAULT]\n" };

describe("the guest plan", () => {
  it("starts with a pinned-key login and skips phases already journaled", () => {
    assert.deepEqual(
      planGuest(rendered, { journal: ["created", "booted"] }, files).phases.map((p) => p.phase),
      ["keyed", "packages", "configured", "installed", "postInstalled"],
    );
    assert.deepEqual(
      planGuest(rendered, { journal: ["created", "booted", "keyed", "packages"] }, files).phases.map(
        (p) => p.phase,
      ),
      ["configured", "installed", "postInstalled"],
    );
    const all: Phase[] = [
      "created",
      "booted",
      "keyed",
      "packages",
      "configured",
      "installed",
      "postInstalled",
    ];
    assert.deepEqual(
      planGuest(rendered, { journal: all }, files),
      { phases: [] },
      "a fully journaled VM has nothing left to run",
    );
  });

  it("pins the VM's host key by the fingerprint of the pre-generated key", () => {
    const line = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl test";
    const target = guestTarget({
      address: "192.168.122.45",
      user: "tripleo",
      privateKey: "k",
      hostKeyLine: line,
    });
    assert.match(target.hostKey?.fingerprint ?? "", /^SHA256:[A-Za-z0-9+/]{43}$/);
    assert.equal(target.hostKey?.trustOnFirstUse, undefined);
  });

  it("runs the phases in order, journals each on the Manager once done, and waits for a new boot id", async () => {
    const guest = new RecordingHost("tripleo@vm:22");
    guest.bootIds = ["boot-1", "boot-1", "boot-2"];
    const manager = new RecordingHost();
    const final = await applyGuestPlan({
      guest: { host: guest, log: silent },
      manager: { host: manager, log: silent },
      domain: "tripleo",
      stamp: { owner: OWNER, journal: ["created", "booted"] },
      times: { created: "t0" },
      rendered,
      files,
      now: () => "t1",
    });
    assert.deepEqual(final.journal, [
      "created",
      "booted",
      "keyed",
      "packages",
      "configured",
      "installed",
      "postInstalled",
    ]);
    const journals = manager.execs.map((argv) => argv.slice(4)).filter((a) => a[1] === "journal");
    assert.equal(journals.length, 5);
    const last = parseStamp(journals[4]?.[3] ?? "");
    assert.deepEqual(last?.journal, final.journal);
    assert.deepEqual(last?.inputs, final.inputs, "each guest phase is journaled with its input hash");
    assert.deepEqual(Object.keys(final.inputs ?? {}), [
      "packages",
      "configured",
      "installed",
      "postInstalled",
    ]);
    const cmds = guest.execs.map((a) => (a[2] === WAIT_FOR_FIRST_BOOT ? "wait for cloud-init" : a.join(" ")));
    assert.deepEqual(cmds, [
      "wait for cloud-init",
      "pkg python-tripleoclient ceph-ansible",
      "cat /proc/sys/kernel/random/boot_id",
      "reboot",
      "cat /proc/sys/kernel/random/boot_id",
      "cat /proc/sys/kernel/random/boot_id",
      "install-it",
    ]);
    assert.match(guest.files.get("/home/tripleo/.bashrc") ?? "", new RegExp(SHELL_RC_START));
    assert.deepEqual(
      guest.uploads.find((u) => u.path.endsWith("undercloud.conf")),
      { path: "/home/tripleo/undercloud.conf", content: "[DEFAULT]\n", mode: 0o600 },
    );
  });
});
