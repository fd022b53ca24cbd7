import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { undercloudFacts } from "../../../../src/steps/undercloud/facts.js";
import { awaitsImageProbe, planUndercloud } from "../../../../src/steps/undercloud/plan.js";
import { PlanBlocked } from "../../../../src/steps/types.js";
import { describeOwner, undercloudOwner } from "../../../../src/steps/undercloud/stamp.js";
import { OWNER, RecordingHost, SHA, applyAll, desired, existing, rawNothing, scriptArgs } from "./support.js";

const ids = (steps: { id: string }[]): string[] => steps.map((s) => s.id);

describe("planUndercloud on a Manager without the VM", () => {
  it("fetches the image, makes disk and seed, defines, starts, autostarts and waits for the first boot", () => {
    const steps = planUndercloud(desired(), undercloudFacts(rawNothing()));
    assert.deepEqual(ids(steps), [
      "vm/owner-marker",
      "vm/base-image",
      "vm/disk",
      "vm/seed",
      "vm/define",
      "vm/start",
      "vm/autostart",
      "vm/booted",
    ]);
  });

  it("reuses a base image whose recorded checksum matches, and re-fetches one that does not", () => {
    const raw = rawNothing();
    raw.files.base = true;
    raw.files.baseChecksum = SHA.slice("sha256:".length);
    assert.ok(!ids(planUndercloud(desired(), undercloudFacts(raw))).includes("vm/base-image"));
    raw.files.baseChecksum = "cd".repeat(32);
    assert.ok(ids(planUndercloud(desired(), undercloudFacts(raw))).includes("vm/base-image"));
  });

  it("keeps a disk left from before (created only if absent) and needs no base image for it", () => {
    const raw = rawNothing();
    raw.files.disk = true;
    raw.files.ownerMarker = true;
    raw.files.markerOwner = describeOwner(OWNER);
    assert.deepEqual(ids(planUndercloud(desired(), undercloudFacts(raw))).slice(0, 2), [
      "vm/seed",
      "vm/define",
    ]);
  });

  it("defines a kvm domain when KVM is usable and virtType is auto, qemu otherwise, with the stamp inside", async () => {
    for (const kvm of [true, false]) {
      const raw = rawNothing();
      raw.kvm = kvm;
      raw.kvmProbedImage = true;
      const define = planUndercloud(desired(), undercloudFacts(raw)).find((s) => s.id === "vm/define");
      assert.ok(define);
      const host = await applyAll([define]);
      const xml = host.stdins[0] ?? "";
      assert.match(xml, new RegExp(`<domain type="${kvm ? "kvm" : "qemu"}">`));
      assert.match(
        xml,
        /<lab:owner xmlns:lab="https:\/\/openstacklab.io\/ownership" kind="TripleOUndercloud" namespace="default" name="tripleo">/,
      );
      assert.match(xml, /<lab:phase name="created" at="2026-11-25T12:00:00Z"\/>/);
      assert.equal((xml.match(/<interface type="network">/g) ?? []).length, 2);
      assert.match(xml, /<source network="openstack-control-plane"\/>/);
    }
  });

  it("virtType auto with KVM judged without the base image: no domain until the image itself was probed (a staged plan)", () => {
    const raw = rawNothing();
    raw.kvm = true;
    const facts = undercloudFacts(raw);
    const steps = planUndercloud(desired(), facts).map((s) => s.id);
    assert.ok(steps.includes("vm/base-image") && steps.includes("vm/disk"), steps.join(", "));
    assert.ok(!steps.includes("vm/define"), "nothing defined on the word of a diskless guest");
    assert.equal(awaitsImageProbe(desired(), facts), true);
    // Once the image itself booted under KVM (or KVM is off, or the type is explicit): defined.
    raw.kvmProbedImage = true;
    assert.ok(planUndercloud(desired(), undercloudFacts(raw)).some((s) => s.id === "vm/define"));
    assert.equal(awaitsImageProbe(desired({ virtType: "kvm" }), facts), false);
    raw.kvm = false;
    raw.kvmProbedImage = false;
    assert.equal(awaitsImageProbe(desired(), undercloudFacts(raw)), false);
  });

  it("downloads http(s) images and copies Manager paths, passing the expected sha256 without its prefix", async () => {
    const host = await applyAll(
      planUndercloud(desired(), undercloudFacts(rawNothing())).filter((s) => s.id === "vm/base-image"),
    );
    assert.deepEqual(scriptArgs(host.execs[0] ?? []).slice(0, 2), ["download", desired().baseImage.url]);
    assert.equal(scriptArgs(host.execs[0] ?? [])[4], "ab".repeat(32));
    const local = desired({ baseImage: { url: "file:///srv/images/guest.qcow2" } });
    const host2 = await applyAll(
      planUndercloud(local, undercloudFacts(rawNothing())).filter((s) => s.id === "vm/base-image"),
    );
    assert.deepEqual(scriptArgs(host2.execs[0] ?? []).slice(0, 2), ["copy", "/srv/images/guest.qcow2"]);
  });

  it("sends the seed files only on stdin, never in argv", async () => {
    const secret = "#cloud-config\nssh_keys:\n  ed25519_private: |\n    SECRET-KEY\n";
    const seed = planUndercloud(
      desired({ seed: { userData: secret, metaData: "m" } }),
      undercloudFacts(rawNothing()),
    ).find((s) => s.id === "vm/seed");
    assert.ok(seed);
    const host = await applyAll([seed], new RecordingHost());
    assert.ok(host.stdins.includes(secret));
    assert.ok(host.execs.every((argv) => !argv.join(" ").includes("SECRET-KEY")));
  });
});

describe("planUndercloud with the domain defined", () => {
  const booted = { owner: OWNER, journal: ["created" as const, "booted" as const] };

  it("has nothing to do for a converged VM, whatever changed in the templates", () => {
    const seed = { userData: "#cloud-config\npackages: [vim]\n", metaData: "instance-id: other\n" };
    assert.deepEqual(planUndercloud(desired({ seed }), existing(booted)), []);
  });

  it("never re-creates an existing domain: a stopped one is started, as drift once booted", () => {
    const steps = planUndercloud(desired(), existing(booted, { state: "shut off", autostart: false }));
    assert.deepEqual(ids(steps), ["vm/start", "vm/autostart"]);
    assert.match(steps[0]?.drift ?? "", /was shut off/);
  });

  it("resumes the first boot after a crash between define and the booted journal entry", () => {
    const steps = planUndercloud(
      desired(),
      existing(
        { owner: OWNER, journal: ["created"] },
        { cdroms: ["/var/lib/libvirt/images/tripleo-cloud-init.iso"] },
      ),
    );
    assert.deepEqual(ids(steps), ["vm/booted"]);
    assert.equal(steps[0]?.drift, undefined);
  });

  it("ejects a seed ISO attached again after the first boot", () => {
    const steps = planUndercloud(
      desired(),
      existing(booted, { cdroms: ["/var/lib/libvirt/images/tripleo-cloud-init.iso"] }),
    );
    assert.deepEqual(ids(steps), ["vm/eject-seed"]);
  });

  it("blocks with Conflict on a domain of the same name without our stamp", () => {
    assert.throws(
      () => planUndercloud(desired(), existing(undefined)),
      (err: unknown) =>
        err instanceof PlanBlocked &&
        err.reason === "Conflict" &&
        /without our ownership stamp/.test(err.message),
    );
  });

  it("blocks with Conflict on a domain stamped by another TripleOUndercloud", () => {
    const other = { owner: undercloudOwner("default", "other"), journal: ["created" as const] };
    assert.throws(
      () => planUndercloud(desired(), existing(other)),
      (err: unknown) =>
        err instanceof PlanBlocked && err.reason === "Conflict" && /default\/other/.test(err.message),
    );
  });
});
