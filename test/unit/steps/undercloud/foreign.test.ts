/**
 * Never take what we did not create: a disk, seed or domain of the VM's names that exists
 * without this object's stamp is a Conflict and no step touches it, unless spec.adopt takes
 * it (stamping it ours); deletion plans nothing for what is not ours, and REMOVE_VM checks
 * the stamps again on the Manager (run for real by bash, with a stand-in virsh on PATH).
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { planUndercloudDeletion } from "../../../../src/steps/undercloud/cleanup.js";
import { undercloudFacts, type RawUndercloudFacts } from "../../../../src/steps/undercloud/facts.js";
import { OWNERSHIP_NS, undercloudPaths } from "../../../../src/steps/undercloud/paths.js";
import { planUndercloud } from "../../../../src/steps/undercloud/plan.js";
import { describeOwner, parseStamp, undercloudOwner } from "../../../../src/steps/undercloud/stamp.js";
import { PlanBlocked, type Step } from "../../../../src/steps/types.js";
import { REMOVE_VM } from "../../../../src/steps/undercloud/vm-scripts.js";
import { BASE_URL, IMAGES, OWNER, applyAll, desired, existing, rawNothing, scriptArgs } from "./support.js";

const run = promisify(execFile);
const paths = undercloudPaths(IMAGES, "tripleo", BASE_URL);
const OTHER = undercloudOwner("other", "tripleo");
const ids = (steps: Step[]): string[] => steps.map((s) => s.id);

function facts(files: Partial<RawUndercloudFacts["files"]>) {
  const raw = rawNothing();
  raw.files = { ...raw.files, ...files };
  return undercloudFacts(raw);
}

function conflict(pattern: RegExp) {
  return (err: unknown) =>
    err instanceof PlanBlocked && err.reason === "Conflict" && pattern.test(err.message);
}

describe("an undercloud facing a foreign disk, seed or domain", () => {
  it("refuses a disk of its name without our owner marker, and names spec.adopt", () => {
    assert.throws(
      () => planUndercloud(desired(), facts({ disk: true })),
      conflict(/tripleo\.qcow2 already exists on the Manager without our owner marker.*spec\.adopt: true/),
    );
  });

  it("refuses a seed ISO of its name without our owner marker", () => {
    assert.throws(
      () => planUndercloud(desired(), facts({ seed: true })),
      conflict(/tripleo-cloud-init\.iso already exists/),
    );
  });

  it("refuses files under another object's owner marker, even with spec.adopt", () => {
    for (const adopt of [false, true]) {
      assert.throws(
        () =>
          planUndercloud(
            desired({ adopt }),
            facts({ disk: true, ownerMarker: true, markerOwner: describeOwner(OTHER) }),
          ),
        conflict(/belong to TripleOUndercloud other\/tripleo/),
      );
    }
  });

  it("with spec.adopt takes a foreign disk and seed: our marker first, neither re-created", async () => {
    const steps = planUndercloud(desired({ adopt: true }), facts({ disk: true, seed: true }));
    assert.deepEqual(ids(steps).slice(0, 2), ["vm/owner-marker", "vm/define"]);
    for (const id of ["vm/base-image", "vm/disk", "vm/seed"]) assert.ok(!ids(steps).includes(id), id);
    const host = await applyAll(steps.slice(0, 1));
    assert.deepEqual(scriptArgs(host.execs[0] ?? []), [paths.ownerMarker, describeOwner(OWNER)]);
    assert.match(steps[0]?.description ?? "", /adopting .*tripleo\.qcow2 and .*tripleo-cloud-init\.iso/);
  });

  it("refuses a domain of its name without our stamp before looking at the files", () => {
    assert.throws(
      () => planUndercloud(desired(), existing(undefined)),
      conflict(/domain named tripleo exists.*without our ownership stamp.*spec\.adopt: true/),
    );
  });

  it("with spec.adopt stamps a foreign domain ours, then waits for its first boot", async () => {
    const raw = existing(undefined);
    const steps = planUndercloud(desired({ adopt: true }), raw);
    assert.deepEqual(ids(steps), ["vm/adopt", "vm/booted"]);
    const host = await applyAll(steps.slice(0, 1));
    const args = scriptArgs(host.execs[0] ?? []);
    assert.equal(args[1], "journal");
    assert.deepEqual(parseStamp(args[3] ?? ""), { owner: OWNER, journal: ["created"] });
  });

  it("never adopts a domain stamped by another object", () => {
    assert.throws(
      () => planUndercloud(desired({ adopt: true }), existing({ owner: OTHER, journal: ["created"] })),
      conflict(/belongs to TripleOUndercloud other\/tripleo/),
    );
  });

  it("keeps running its own domain whose marker went missing, without claiming the files again", () => {
    const f = existing({ owner: OWNER, journal: ["created", "booted"] });
    delete f.ownerMarker;
    assert.deepEqual(planUndercloud(desired(), f), []);
  });
});

describe("deleting an undercloud next to things that are not its own", () => {
  it("plans nothing for a disk and seed without a marker, or under another object's", () => {
    assert.deepEqual(
      planUndercloudDeletion("tripleo", OWNER, paths, facts({ disk: true, seed: true })).steps,
      [],
    );
    const other = planUndercloudDeletion(
      "tripleo",
      OWNER,
      paths,
      facts({ disk: true, ownerMarker: true, markerOwner: describeOwner(OTHER) }),
    );
    assert.deepEqual(other.steps, []);
    assert.match(other.leftAlone ?? "", /names TripleOUndercloud other\/tripleo/);
  });

  it("hands the remove script our owner line and stamp so it checks both again", async () => {
    const plan = planUndercloudDeletion(
      "tripleo",
      OWNER,
      paths,
      existing({ owner: OWNER, journal: ["created"] }),
    );
    const args = scriptArgs((await applyAll(plan.steps)).execs[0] ?? []);
    assert.deepEqual(args.slice(0, 8), [
      "qemu:///system",
      "tripleo",
      paths.ownerMarker,
      OWNERSHIP_NS,
      describeOwner(OWNER),
      "TripleOUndercloud",
      "default",
      "tripleo",
    ]);
  });
});

describe("REMOVE_VM on the Manager (stand-in virsh)", () => {
  let dir = "";
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "remove-vm-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** A Manager with a domain stamped by `stampOwner` (none: unstamped), and a disk under `marker`. */
  async function scene(stampOwner: string | undefined, marker: string | undefined) {
    const box = await mkdtemp(join(dir, "m-"));
    const bin = join(box, "bin");
    await mkdir(bin);
    const log = join(box, "virsh.log");
    const meta = stampOwner
      ? `<ns0:owner xmlns:ns0="${OWNERSHIP_NS}" ${stampOwner}>\n  <ns0:phase name="created"/>\n</ns0:owner>`
      : "";
    await writeFile(
      join(bin, "virsh"),
      `#!/bin/bash
echo "$*" >>${JSON.stringify(log)}
case " $* " in
  *" dominfo "*) exit 0 ;;
  *" metadata "*) ${meta ? `echo '${meta}'; exit 0` : "exit 1"} ;;
  *" domstate "*) echo "shut off" ;;
esac
exit 0`,
    );
    await chmod(join(bin, "virsh"), 0o755);
    const disk = join(box, "tripleo.qcow2");
    await writeFile(disk, "someone's disk");
    const markerPath = join(box, ".tripleo.lab-operator");
    if (marker !== undefined) await writeFile(markerPath, `${marker}\n`);
    const args = ["qemu:///system", "tripleo", markerPath, OWNERSHIP_NS, describeOwner(OWNER)];
    args.push(OWNER.kind, OWNER.namespace, OWNER.name, disk);
    const result = await run("bash", ["-c", REMOVE_VM, "remove", ...args], {
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
    }).then(
      () => 0,
      (e: { code?: number }) => e.code ?? -1,
    );
    const virsh = await readFile(log, "utf8").catch(() => "");
    const kept = await readFile(disk, "utf8").then(
      () => true,
      () => false,
    );
    return { result, undefined: /undefine/.test(virsh), kept };
  }

  const ours = `kind="TripleOUndercloud" namespace="default" name="tripleo"`;

  it("removes our stamped domain and the files under our marker", async () => {
    assert.deepEqual(await scene(ours, describeOwner(OWNER)), { result: 0, undefined: true, kept: false });
  });

  it("refuses a domain without a stamp or with another object's", async () => {
    for (const stamp of [undefined, `kind="TripleOUndercloud" namespace="other" name="tripleo"`]) {
      assert.deepEqual(await scene(stamp, describeOwner(OWNER)), { result: 6, undefined: false, kept: true });
    }
  });

  it("keeps files without a marker or under another object's", async () => {
    for (const marker of [undefined, describeOwner(OTHER)]) {
      assert.deepEqual(await scene(ours, marker), { result: 0, undefined: true, kept: true });
    }
  });
});

interface Scene {
  domain: "none" | "ours" | "other" | "unstamped";
  marker: "none" | "ours" | "other";
  disk: boolean;
  seed: boolean;
  adopt: boolean;
}

describe("any mix of foreign and own things (fast-check)", () => {
  const who = fc.constantFrom<"none" | "ours" | "other" | "unstamped">("none", "ours", "other", "unstamped");
  const scene: fc.Arbitrary<Scene> = fc.record({
    domain: who,
    marker: fc.constantFrom<"none" | "ours" | "other">("none", "ours", "other"),
    disk: fc.boolean(),
    seed: fc.boolean(),
    adopt: fc.boolean(),
  });

  function factsOf(s: Scene) {
    const stampOf = {
      ours: { owner: OWNER, journal: ["created" as const] },
      other: { owner: OTHER, journal: [] },
    };
    const f =
      s.domain === "none"
        ? facts({})
        : existing(s.domain === "unstamped" ? undefined : stampOf[s.domain], { state: "shut off" });
    f.disk = s.disk;
    f.seed = s.seed;
    if (s.marker === "none") delete f.ownerMarker;
    else f.ownerMarker = describeOwner(s.marker === "ours" ? OWNER : OTHER);
    return f;
  }

  it("never creates over a file, never claims another object's, and refuses the unstamped without adopt", () => {
    fc.assert(
      fc.property(scene, (s) => {
        const foreignFiles = s.marker === "none" && (s.disk || s.seed) && s.domain !== "ours";
        const mustRefuse =
          s.domain === "other" ||
          s.marker === "other" ||
          (!s.adopt && (s.domain === "unstamped" || foreignFiles));
        let steps: Step[];
        try {
          steps = planUndercloud(desired({ adopt: s.adopt }), factsOf(s));
        } catch (e) {
          assert.ok(e instanceof PlanBlocked && e.reason === "Conflict", String(e));
          assert.ok(mustRefuse, `refused ${JSON.stringify(s)}: ${(e as Error).message}`);
          return;
        }
        assert.ok(!mustRefuse, `planned ${ids(steps).join(",")} for ${JSON.stringify(s)}`);
        if (s.disk) assert.ok(!ids(steps).includes("vm/disk"));
        if (s.seed) assert.ok(!ids(steps).includes("vm/seed"));
        if (s.marker !== "none") assert.ok(!ids(steps).includes("vm/owner-marker"));
        if (s.domain !== "none") assert.ok(!ids(steps).includes("vm/define"));
      }),
      { numRuns: 300 },
    );
  });

  it("deletion plans a removal only for our domain or our marker, and the host re-checks both", async () => {
    await fc.assert(
      fc.asyncProperty(scene, async (s) => {
        const plan = planUndercloudDeletion("tripleo", OWNER, paths, factsOf(s));
        const foreignDomain = s.domain === "other" || s.domain === "unstamped";
        const expected = !foreignDomain && (s.domain === "ours" || s.marker === "ours");
        assert.equal(plan.steps.length, expected ? 1 : 0, JSON.stringify(s));
        if (!expected) return;
        const args = scriptArgs((await applyAll(plan.steps)).execs[0] ?? []);
        assert.deepEqual(args.slice(4, 8), [describeOwner(OWNER), OWNER.kind, OWNER.namespace, OWNER.name]);
      }),
      { numRuns: 200 },
    );
  });
});
