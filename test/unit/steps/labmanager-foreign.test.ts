/**
 * A LabManager never takes what it did not create: a host bridge, the manager user or its
 * sudoers file that exists but is not in the object's record is a Conflict (no step touches
 * it) unless spec.adopt, and no step of one bridge ever reaches another bridge's files, even
 * when one name is a prefix of the other (public and public-x). REMOVE_BRIDGE runs for real
 * in bash on a scratch directory, with stand-ins for ip, networkctl and nmcli.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import fc from "fast-check";
import { labManagerSpec, type LabManagerSpec } from "../../../src/api/labmanager.js";
import { BRIDGE_FILE_HEADER, bridgeFiles } from "../../../src/steps/labmanager/bridge-files.js";
import { REMOVE_BRIDGE } from "../../../src/steps/labmanager/cleanup.js";
import type { ManagerFacts } from "../../../src/steps/labmanager/facts.js";
import { BRIDGE_OF } from "../../../src/steps/labmanager/observe-script.js";
import { NETWORKD_DIR, NM_DIR, type Family } from "../../../src/steps/labmanager/paths.js";
import { planManager, planManagerCleanup } from "../../../src/steps/labmanager/plan.js";
import { PlanBlocked, type OwnedResource, type Step } from "../../../src/steps/types.js";
import { SEED_OWNED, bareDebian, converged, inputs, recordingHost, seedSpec } from "./manager-fixtures.js";

const ids = (steps: Step[]) => steps.map((s) => s.id);
const without = (kind: OwnedResource["kind"], name: string) =>
  SEED_OWNED.filter((o) => !(o.kind === kind && o.name === name));
const conflict = (pattern: RegExp) => (e: unknown) =>
  e instanceof PlanBlocked && e.reason === "Conflict" && pattern.test(e.message);

describe("a LabManager facing a bridge, user or sudoers file it did not create", () => {
  it("refuses a host bridge of a spec name that is not in its record, with no step at all", () => {
    const spec = seedSpec();
    assert.throws(
      () => planManager(spec, converged(spec), { ...inputs, owned: without("bridge", "public") }),
      conflict(
        /host bridge public exists on the Manager but this LabManager did not create it.*spec\.adopt: true/,
      ),
    );
  });

  it("refuses a foreign bridge even when its files differ (it would otherwise rewrite them)", () => {
    const spec = seedSpec();
    const facts = converged(spec);
    delete facts.files["/etc/systemd/network/50-lab-openstack.network"];
    assert.throws(
      () => planManager(spec, facts, { ...inputs, owned: without("bridge", "openstack") }),
      conflict(/host bridge openstack/),
    );
  });

  it("with spec.adopt records the bridge as ours in a step of its own, touching nothing", async () => {
    const spec = seedSpec({ adopt: true });
    const steps = planManager(spec, converged(spec), { ...inputs, owned: without("bridge", "public") });
    assert.deepEqual(ids(steps), ["bridge/public/adopt"]);
    assert.deepEqual(steps[0]!.owns, { kind: "bridge", name: "public" });
    const { calls, ctx } = recordingHost();
    await steps[0]!.apply(ctx);
    assert.deepEqual(calls, []);
  });

  it("refuses an existing user of the spec's name, and takes it with spec.adopt", () => {
    const spec = seedSpec();
    const owned = without("user", "manager");
    assert.throws(
      () => planManager(spec, converged(spec), { ...inputs, owned }),
      conflict(/user manager exists/),
    );
    const adopted = planManager(seedSpec({ adopt: true }), converged(spec), { ...inputs, owned });
    assert.deepEqual(ids(adopted), ["user/manager/adopt"]);
    assert.deepEqual(adopted[0]!.owns, { kind: "user", name: "manager" });
  });

  it("refuses a sudoers file it did not write, but not when spec.user.sudo leaves it alone", () => {
    const spec = seedSpec();
    const owned = without("sudoers", "/etc/sudoers.d/lab-operator-manager");
    assert.throws(
      () => planManager(spec, converged(spec), { ...inputs, owned }),
      conflict(/\/etc\/sudoers\.d\/lab-operator-manager exists/),
    );
    const noSudo = seedSpec({ user: { ...spec.user, sudo: false } });
    assert.deepEqual(ids(planManager(noSudo, converged(spec), { ...inputs, owned })), []);
  });

  it("creates and records what does not exist yet, whatever the record says", () => {
    const owns = planManager(seedSpec(), bareDebian(), { ...inputs, owned: [] }).flatMap((s) => s.owns ?? []);
    for (const o of SEED_OWNED)
      assert.ok(
        owns.some((x) => x.kind === o.kind && x.name === o.name),
        o.name,
      );
  });

  it("plans no cleanup at all for bridges, users and sudoers files it did not record", () => {
    const spec = seedSpec();
    assert.deepEqual(planManagerCleanup(spec, converged(spec), []), []);
  });
});

/** A spec with these bridges, each with its own NICs (no hyphen, so file names never collide). */
function specOf(
  bridges: { name: string; nics: string[] }[],
  over: Partial<LabManagerSpec> = {},
): LabManagerSpec {
  return labManagerSpec.parse({
    address: "10.0.0.5",
    timezone: "America/Chicago",
    bridges: bridges.map((b) => ({ name: b.name, interfaces: b.nics })),
    ...over,
  });
}

/** Facts of a host where every bridge of `all` is converged (files, links, qemu allow lines). */
function hostWith(all: LabManagerSpec, family: Family): ManagerFacts {
  return converged(all, family);
}

/** Every path a step's commands name as removed (`rm -f -- PATHS`). */
async function removedBy(steps: Step[]): Promise<string[]> {
  const { calls, ctx } = recordingHost();
  for (const s of steps) await s.apply(ctx);
  return calls.flatMap((c) => (c.argv[0] === "rm" ? c.argv.slice(c.argv.indexOf("--") + 1) : []));
}

describe("bridge names that are prefixes of each other (public, public-x)", () => {
  const publicX = [
    { name: "public", nics: ["eno1"] },
    { name: "public-x", nics: ["eth1"] },
  ];

  for (const family of ["debian", "el"] as const) {
    it(`${family}: a stale member file of public is removed, public-x's files are not`, async () => {
      const all = specOf(publicX);
      const facts = hostWith(all, family);
      const spec = specOf([{ name: "public", nics: [] }]);
      const owned: OwnedResource[] = [{ kind: "bridge", name: "public" }, ...SEED_OWNED.slice(2)];
      const steps = planManager(spec, facts, { ...inputs, owned });
      const removed = await removedBy(steps.filter((s) => s.id === "bridge/public"));
      const publicOwn = bridgeFiles(family, all.bridges[0]!).map((f) => f.path);
      assert.deepEqual(removed, publicOwn.slice(family === "debian" ? 2 : 1));
      for (const f of bridgeFiles(family, all.bridges[1]!)) assert.ok(!removed.includes(f.path), f.path);
    });

    it(`${family}: deleting public when only public-x's files are left plans nothing`, () => {
      const all = specOf([{ name: "public-x", nics: ["eth1"] }]);
      const owned: OwnedResource[] = [{ kind: "bridge", name: "public" }];
      assert.deepEqual(planManagerCleanup(specOf([]), hostWith(all, family), owned), []);
    });
  }
});

describe("bridges whose files would share a name", () => {
  it("refuses bridge public with NIC x next to bridge public-x (both would write lab-public-x.nmconnection)", () => {
    const spec = specOf([
      { name: "public", nics: ["x"] },
      { name: "public-x", nics: [] },
    ]);
    assert.throws(
      () => planManager(spec, converged(seedSpec(), "el"), inputs),
      conflict(/bridges public and public-x would both write .*lab-public-x\.nmconnection/),
    );
  });

  it("refuses bridge public with NIC x-y next to bridge public-x with NIC y (both would write 00-lab-public-x-y.network)", () => {
    const spec = specOf([
      { name: "public", nics: ["x-y"] },
      { name: "public-x", nics: ["y"] },
    ]);
    assert.throws(
      () => planManager(spec, bareDebian(), inputs),
      conflict(/bridges public and public-x would both write .*00-lab-public-x-y\.network/),
    );
  });
});

describe("REMOVE_BRIDGE and the observe script's bridgeOf, run in bash on a scratch directory", () => {
  const root = mkdtempSync(join(tmpdir(), "lm-bridges-"));
  after(() => rmSync(root, { recursive: true, force: true }));
  const bin = join(root, "bin");
  mkdirSync(bin);
  for (const tool of ["ip", "networkctl", "nmcli"]) {
    writeFileSync(join(bin, tool), "#!/bin/sh\nexit 0\n");
    chmodSync(join(bin, tool), 0o755);
  }
  const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
  let n = 0;

  /** A directory holding every bridge's files as we write them; returns it. */
  function scratch(spec: LabManagerSpec, family: Family): string {
    const dir = join(root, `d${n++}`);
    mkdirSync(dir);
    const real = family === "debian" ? NETWORKD_DIR : NM_DIR;
    for (const b of spec.bridges)
      for (const f of bridgeFiles(family, b)) writeFileSync(f.path.replace(real, dir), f.content);
    return dir;
  }

  function remove(family: Family, dir: string, bridge: string): void {
    execFileSync(
      "bash",
      ["-c", REMOVE_BRIDGE, "x", family, bridge, dir, join(dir, "bridge.conf"), BRIDGE_FILE_HEADER],
      {
        env,
      },
    );
  }

  it("bridgeOf reads the bridge from each file's content, and skips files without our header", () => {
    const spec = specOf([
      { name: "public", nics: ["eno1"] },
      { name: "public-x", nics: ["eth1"] },
    ]);
    const dir = scratch(spec, "debian");
    writeFileSync(join(dir, "50-lab-public-hand.network"), "[Match]\nName=hand\n[Network]\nBridge=public\n");
    const js = `js() { printf '"%s"' "$1"; }\n`;
    const files = readdirSync(dir).map((f) => join(dir, f));
    const out = execFileSync(
      "bash",
      ["-c", `${js}${BRIDGE_OF}bridgeOf "$@"`, "x", BRIDGE_FILE_HEADER, ...files],
      {
        encoding: "utf8",
      },
    );
    const of = JSON.parse(out) as Record<string, string>;
    assert.equal(of[join(dir, "50-lab-public-x.network")], "public-x");
    assert.equal(of[join(dir, "00-lab-public-x-eth1.network")], "public-x");
    assert.equal(of[join(dir, "00-lab-public-eno1.network")], "public");
    assert.equal(of[join(dir, "50-lab-public-hand.network")], undefined);
  });

  it("never reaches another bridge's files, whatever the names (fast-check)", () => {
    const name = fc.constantFrom(
      "public",
      "public-x",
      "public-x-y",
      "pub",
      "openstack",
      "open",
      "lab",
      "lab-1",
    );
    const bridges = fc.uniqueArray(name, { minLength: 1, maxLength: 5 });
    const scene = bridges.chain((names) =>
      fc.record({
        names: fc.constant(names),
        nics: fc.array(fc.uniqueArray(fc.constantFrom("eth0", "eth1", "eno1", "y1"), { maxLength: 2 }), {
          minLength: names.length,
          maxLength: names.length,
        }),
        victim: fc.nat({ max: names.length - 1 }),
        family: fc.constantFrom<Family>("debian", "el"),
      }),
    );
    fc.assert(
      fc.property(scene, ({ names, nics, victim, family }) => {
        const spec = specOf(names.map((nm, i) => ({ name: nm, nics: nics[i]! })));
        const dir = scratch(spec, family);
        const gone = names[victim]!;
        remove(family, dir, gone);
        const left = new Set(readdirSync(dir));
        const real = family === "debian" ? NETWORKD_DIR : NM_DIR;
        for (const b of spec.bridges)
          for (const f of bridgeFiles(family, b)) {
            const base = f.path.slice(real.length + 1);
            assert.equal(left.has(base), b.name !== gone, `${base} after removing ${gone}`);
          }
        return true;
      }),
      { numRuns: 40 },
    );
  });

  it("el: deletes only NetworkManager profiles of this bridge, never public-x's (stand-in nmcli)", () => {
    const nmBin = join(root, "nmbin");
    mkdirSync(nmBin);
    const log = join(root, "nmcli.log");
    writeFileSync(log, "");
    const masters = {
      "lab-public": "",
      "lab-public-eth9": "public",
      "lab-public-x": "",
      "lab-public-x-eth1": "public-x",
    };
    const lookup = Object.entries(masters)
      .map(([c, m]) => `    "${c}") echo "${m}" ;;`)
      .join("\n");
    writeFileSync(
      join(nmBin, "nmcli"),
      `#!/bin/bash
case "$*" in
  "-g NAME connection show") printf '%s\\n' ${Object.keys(masters).join(" ")} ;;
  "-g connection.master connection show id "*) case "$6" in
${lookup}
  esac ;;
  "connection delete id "*) echo "$4" >>${JSON.stringify(log)} ;;
esac
exit 0`,
    );
    chmodSync(join(nmBin, "nmcli"), 0o755);
    const dir = scratch(
      specOf([
        { name: "public", nics: ["eno1"] },
        { name: "public-x", nics: ["eth1"] },
      ]),
      "el",
    );
    execFileSync(
      "bash",
      ["-c", REMOVE_BRIDGE, "x", "el", "public", dir, join(dir, "bridge.conf"), BRIDGE_FILE_HEADER],
      {
        env: { ...env, PATH: `${nmBin}:${env.PATH}` },
      },
    );
    const deleted = new Set(readFileSync(log, "utf8").split("\n").filter(Boolean));
    assert.deepEqual([...deleted].sort(), ["lab-public", "lab-public-eno1", "lab-public-eth9"]);
    assert.deepEqual(readdirSync(dir).sort(), [
      "lab-public-x-eth1.nmconnection",
      "lab-public-x.nmconnection",
    ]);
  });

  it("leaves a hand-made file in our namespace that names the bridge but lacks our header", () => {
    const dir = scratch(specOf([{ name: "public", nics: ["eno1"] }]), "debian");
    writeFileSync(join(dir, "50-lab-public-hand.network"), "[Match]\nName=hand\n[Network]\nBridge=public\n");
    remove("debian", dir, "public");
    assert.deepEqual(readdirSync(dir), ["50-lab-public-hand.network"]);
    assert.ok(!existsSync(join(dir, "50-lab-public.netdev")));
  });
});
