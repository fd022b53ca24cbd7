import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { tripleoUndercloud } from "../../../../src/api/tripleoundercloud.js";
import { desiredGuest, desiredVm, seedInput } from "../../../../src/controllers/undercloud/desired.js";
import { cloudInitCondition } from "../../../../src/controllers/undercloud/kind.js";
import { planGuest, phaseInput } from "../../../../src/steps/undercloud/guest.js";
import { planUndercloud } from "../../../../src/steps/undercloud/plan.js";
import { guestProfile, renderProfile } from "../../../../src/steps/undercloud/profile.js";
import { guestVariables } from "../../../../src/steps/undercloud/variables.js";
import {
  journaled,
  parseStamp,
  parseStampTimes,
  renderStamp,
  withoutPhasesFrom,
  type Stamp,
} from "../../../../src/steps/undercloud/stamp.js";
import { OWNER, RecordingHost, applyAll, desired, existing, rawNothing } from "./support.js";
import { undercloudFacts } from "../../../../src/steps/undercloud/facts.js";

const H1 = `sha256:${"1".repeat(64)}`;
const H2 = `sha256:${"2".repeat(64)}`;

const creds = {
  password: "s3cret-pass",
  publicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl op",
  privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----\n",
  hostKey: {
    publicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl host",
    privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nhostkey-secret\n-----END OPENSSH PRIVATE KEY-----\n",
  },
} as never;

function uc(spec: Record<string, unknown> = {}) {
  return tripleoUndercloud.parse({
    apiVersion: "openstacklab.io/v1alpha1",
    kind: "TripleOUndercloud",
    metadata: { name: "tripleo", namespace: "default", uid: "u1" },
    spec: { managerRef: { name: "lab" }, nics: [{ networkRef: { name: "hv" } }], ...spec },
  });
}

describe("the journal's input hashes", () => {
  it("renders and parses each phase's input hash, in both stamp forms", () => {
    const stamp: Stamp = {
      owner: OWNER,
      journal: ["created", "booted", "keyed", "packages"],
      inputs: { created: H1, packages: H2 },
    };
    for (const form of ["domain", "set"] as const) {
      const xml = renderStamp(stamp, { created: "t0", packages: "t1" }, form);
      assert.match(xml, new RegExp(`name="packages" at="t1" input="${H2}"`));
      assert.deepEqual(parseStamp(xml), stamp);
      assert.deepEqual(parseStampTimes(xml), { created: "t0", packages: "t1" });
    }
  });

  it("reads a stamp of an older version (no input attributes) as done phases without hashes", () => {
    const old =
      '<lab:owner xmlns:lab="https://openstacklab.io/ownership/v1" kind="TripleOUndercloud" namespace="default" name="tripleo">' +
      '<lab:phase name="created" at="t0"/><lab:phase name="booted"/><lab:phase name="keyed"/>' +
      '<lab:phase name="packages"/><lab:phase name="configured"/><lab:phase name="installed"/></lab:owner>';
    const stamp = parseStamp(old);
    assert.equal(stamp?.inputs, undefined);
    const { rendered, files } = desiredGuest(uc({ tripleo: { profile: "debian-test" } }));
    const plan = planGuest(rendered, stamp!, files);
    assert.deepEqual(
      plan.phases.map((p) => p.phase),
      ["postInstalled"],
      "an upgrade runs only the phase that is new, none of the old ones again",
    );
  });

  it("ignores an input attribute that is not a sha256 hash", () => {
    const xml = renderStamp({ owner: OWNER, journal: ["created"] }).replace(
      'name="created"',
      'name="created" input="plain text"',
    );
    assert.equal(parseStamp(xml)?.inputs, undefined);
  });

  it("drops a phase and all later ones with their inputs, keeping earlier ones", () => {
    const stamp: Stamp = {
      owner: OWNER,
      journal: ["created", "booted", "keyed", "packages", "configured", "installed"],
      inputs: { created: H1, packages: H1, configured: H2, installed: H2 },
    };
    assert.deepEqual(withoutPhasesFrom(stamp, "configured"), {
      owner: OWNER,
      journal: ["created", "booted", "keyed", "packages"],
      inputs: { created: H1, packages: H1 },
    });
    assert.deepEqual(withoutPhasesFrom(stamp, "postInstalled"), stamp);
    assert.deepEqual(
      journaled(withoutPhasesFrom(stamp, "configured"), "configured", H1).inputs?.configured,
      H1,
    );
  });
});

describe("which guest phases run again", () => {
  const converged = (spec: Record<string, unknown>): Stamp => {
    const { rendered, files } = desiredGuest(uc(spec));
    let stamp: Stamp = { owner: OWNER, journal: ["created", "booted"] };
    for (const p of planGuest(rendered, stamp, files).phases) stamp = journaled(stamp, p.phase, p.input);
    return stamp;
  };
  const base = { tripleo: { profile: "debian-test", containerImageTags: { tag: "t1" } } };

  it("a container image tag edit re-runs configured and the later phases, and says why", () => {
    const stamp = converged(base);
    const edited = desiredGuest(uc({ tripleo: { ...base.tripleo, containerImageTags: { tag: "t2" } } }));
    const plan = planGuest(edited.rendered, stamp, edited.files);
    assert.deepEqual(
      plan.phases.map((p) => p.phase),
      ["configured", "installed", "postInstalled"],
    );
    assert.equal(plan.rerun?.phase, "configured");
    assert.match(plan.rerun?.why ?? "", /undercloud\.conf/);
  });

  it("an undercloud.conf setting re-runs configured (the file's content is in its input)", () => {
    const stamp = converged(base);
    const edited = desiredGuest(
      uc({ tripleo: { ...base.tripleo, undercloudConf: { localIp: "192.168.25.1/24" } } }),
    );
    assert.deepEqual(
      planGuest(edited.rendered, stamp, edited.files).phases.map((p) => p.phase),
      ["configured", "installed", "postInstalled"],
    );
  });

  it("a utilities edit re-runs from packages; a postInstall edit only postInstalled", () => {
    const stamp = converged(base);
    const pk = desiredGuest(uc({ tripleo: { ...base.tripleo, utilities: ["vim"] } }));
    assert.equal(planGuest(pk.rendered, stamp, pk.files).phases[0]?.phase, "packages");
    const post = desiredGuest(
      uc({
        tripleo: {
          ...base.tripleo,
          postInstall: [{ container: "ironic_conductor", path: "/etc/x.conf", content: "a = 1\n" }],
        },
      }),
    );
    const plan = planGuest(post.rendered, stamp, post.files);
    assert.deepEqual(
      plan.phases.map((p) => p.phase),
      ["postInstalled"],
    );
    assert.match(plan.rerun?.why ?? "", /spec\.tripleo\.postInstall/);
  });

  it("a reworded purpose or a longer timeout is not an input change", () => {
    const { rendered, files } = desiredGuest(uc(base));
    const phase = rendered.phases.find((p) => p.phase === "installed")!;
    const reworded = phase.actions.map((a) => ({ ...a, purpose: "other words", timeoutMs: 1 }));
    assert.equal(phaseInput(reworded, files), phaseInput(phase.actions, files));
  });
});

describe("spec.cloudInit after the first boot", () => {
  it("journals the seed's hash with created, never the seed's secrets", () => {
    const vm = desiredVm(uc(), creds, []);
    const define = planUndercloud(vm, undercloudFacts(rawNothing())).find((s) => s.id === "vm/define");
    assert.ok(define);
    const host = new RecordingHost();
    return applyAll([define], host).then(() => {
      const xml = host.stdins.find((s) => s.includes("<domain")) ?? "";
      const stamp = parseStamp(xml);
      assert.equal(stamp?.inputs?.created, vm.seedInput);
      assert.doesNotMatch(xml, /s3cret-pass|hostkey-secret/);
    });
  });

  it("the seed's hash is stable across renders (random crypt salt) and follows cloudInit and the password", () => {
    assert.equal(seedInput(uc(), creds), seedInput(uc(), creds));
    assert.notEqual(seedInput(uc({ cloudInit: { timezone: "UTC" } }), creds), seedInput(uc(), creds));
    assert.notEqual(
      seedInput(uc(), { ...(creds as object), password: "other" } as never),
      seedInput(uc(), creds),
    );
  });

  it("says a changed cloudInit is applied only to a new VM; Ready is not its business", () => {
    const booted = seedInput(uc(), creds);
    const stamp: Stamp = { owner: OWNER, journal: ["created", "booted"], inputs: { created: booted } };
    assert.deepEqual(
      cloudInitCondition(stamp, booted).map((c) => [c.ok, c.reason]),
      [[true, "Converged"]],
    );
    const [changed] = cloudInitCondition(stamp, seedInput(uc({ cloudInit: { timezone: "UTC" } }), creds));
    assert.equal(changed?.type, "CloudInitApplied");
    assert.equal(changed?.ok, false);
    assert.equal(changed?.reason, "RecreateRequired");
    assert.match(changed?.message ?? "", /spec\.cloudInit changed after the first boot.*--recreate/);
    const [old] = cloudInitCondition({ owner: OWNER, journal: ["created", "booted"] }, booted);
    assert.equal(old?.reason, "NotRecorded");
    assert.deepEqual(cloudInitCondition(undefined, booted), []);
  });

  it("keeps the seed hash through the first boot's journal (planExisting's booted step)", async () => {
    const stamp: Stamp = { owner: OWNER, journal: ["created"], inputs: { created: H1 } };
    const steps = planUndercloud(desired(), existing(stamp));
    const host = new RecordingHost();
    await applyAll(
      steps.filter((s) => s.id === "vm/booted"),
      host,
    );
    const journal = host.execs.map((a) => a.slice(4)).find((a) => a[1] === "journal");
    assert.equal(parseStamp(journal?.[3] ?? "")?.inputs?.created, H1);
  });
});

describe("spec.tripleo.postInstall validation", () => {
  const issues = (step: Record<string, unknown>) => {
    const r = tripleoUndercloud.safeParse({
      apiVersion: "openstacklab.io/v1alpha1",
      kind: "TripleOUndercloud",
      metadata: { name: "t", namespace: "default" },
      spec: {
        managerRef: { name: "lab" },
        nics: [{ networkRef: { name: "hv" } }],
        tripleo: { postInstall: [step] },
      },
    });
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  };
  const diff = "--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-a\n+b\n";

  it("accepts a patch or a content, with defaults", () => {
    assert.deepEqual(issues({ container: "ironic_conductor", path: "/usr/lib/x.py", patch: diff }), []);
    assert.deepEqual(
      issues({ container: "nova_api", path: "/etc/x", content: "", service: "tripleo_nova_api.service" }),
      [],
    );
  });

  it("names the field of each mistake", () => {
    assert.deepEqual(issues({ container: "c", path: "/x" }), [
      "spec.tripleo.postInstall.0.patch: exactly one of patch (a unified diff) or content (the whole file) must be given",
    ]);
    assert.deepEqual(issues({ container: "c", path: "/x", patch: diff, content: "x" }), [
      "spec.tripleo.postInstall.0.content: exactly one of patch (a unified diff) or content (the whole file) must be given",
    ]);
    assert.match(
      issues({ container: "c", path: "/x", patch: "just text" })[0] ?? "",
      /^spec\.tripleo\.postInstall\.0\.patch: must be a unified diff/,
    );
    assert.match(
      issues({ container: "bad name", path: "/x", content: "" })[0] ?? "",
      /^spec\.tripleo\.postInstall\.0\.container:/,
    );
    assert.match(
      issues({ container: "c", path: "rel/x", content: "" })[0] ?? "",
      /^spec\.tripleo\.postInstall\.0\.path:/,
    );
    assert.match(
      issues({ container: "c", path: "/x", content: "", service: "x; reboot" })[0] ?? "",
      /^spec\.tripleo\.postInstall\.0\.service:/,
    );
    assert.match(
      issues({ container: "c", path: "/x", content: "", extra: 1 })[0] ?? "",
      /^spec\.tripleo\.postInstall\.0: Unrecognized key/,
    );
  });

  it("runs the spec's steps after the profile's, only when the undercloud is installed", () => {
    const step = { container: "ironic_conductor", path: "/etc/x.conf", content: "a\n" };
    const on = desiredGuest(uc({ tripleo: { profile: "debian-test", postInstall: [step] } }));
    const kinds = on.rendered.phases.find((p) => p.phase === "postInstalled")?.actions.map((a) => a.kind);
    assert.deepEqual(kinds, ["run", "container-file"]);
    const off = desiredGuest(
      uc({ tripleo: { profile: "debian-test", install: false, postInstall: [step] } }),
    );
    assert.deepEqual(
      off.rendered.phases.find((p) => p.phase === "postInstalled")?.actions.map((a) => a.kind),
      ["run"],
    );
  });

  it("a profile may declare the same step (containerFile), validated with the same field errors", () => {
    const profile = guestProfile.parse({
      name: "p",
      description: "",
      phases: [
        {
          phase: "postInstalled",
          steps: [
            {
              purpose: "patch the conductor",
              containerFile: {
                container: "ironic_conductor",
                path: "/x.py",
                patch: "--- a\n+++ b\n@@ -1 +1 @@\n-a\n+b\n",
              },
            },
          ],
        },
      ],
    });
    const rendered = renderProfile(
      profile,
      guestVariables(uc().spec, { user: "t", home: "/home/t", fqdn: "f" }),
    );
    assert.deepEqual(rendered.phases[0]?.actions[0], {
      kind: "container-file",
      purpose: "patch the conductor",
      container: "ironic_conductor",
      path: "/x.py",
      change: { patch: "--- a\n+++ b\n@@ -1 +1 @@\n-a\n+b\n" },
      restart: true,
    });
    const bad = guestProfile.safeParse({
      name: "p",
      description: "",
      phases: [
        { phase: "postInstalled", steps: [{ purpose: "x", containerFile: { container: "c", path: "/x" } }] },
      ],
    });
    assert.ok(!bad.success);
    assert.ok(
      bad.error.issues.some((i) => i.path.join(".").endsWith("containerFile.patch")),
      JSON.stringify(bad.error.issues),
    );
  });
});
