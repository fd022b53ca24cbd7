import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { planManager } from "../../../src/steps/labmanager/plan.js";
import { unappliedEdits } from "../../../src/steps/labmanager/unapplied.js";
import { NETWORK_HOOK, sudoersPath } from "../../../src/steps/labmanager/paths.js";
import { PlanBlocked } from "../../../src/steps/types.js";
import {
  bareDebian,
  converged,
  inputs,
  PASSWORD,
  recordingHost,
  SEED_OWNED,
  seedSpec,
} from "./manager-fixtures.js";

const ids = (steps: { id: string }[]) => steps.map((s) => s.id);

describe("LabManager plan", () => {
  it("orders every step for a bare Debian host", () => {
    const spec = seedSpec();
    const facts = bareDebian();
    facts.defaultRoutes = [{ dev: "eth0" }];
    const steps = planManager(spec, facts, inputs);
    assert.deepEqual(ids(steps), [
      "packages",
      "timezone",
      "libvirtd",
      "bridge/public",
      "bridge/openstack",
      "qemu-bridge-helper",
      "virtualbmc/install",
      "virtualbmc/service",
      "user/manager",
      "user/manager/sudoers",
      "user/manager/home",
      "user/manager/authorized-key",
      "user/manager/shell-rc",
      "libvirt-network-hook",
    ]);
    assert.ok(
      steps.every((s) => s.drift === undefined),
      "first apply is not drift",
    );
  });

  it("records ownership only for what the plan creates", () => {
    const owns = planManager(seedSpec(), bareDebian(), inputs).flatMap((s) => (s.owns ? [s.owns] : []));
    assert.deepEqual(owns, [
      { kind: "bridge", name: "public" },
      { kind: "bridge", name: "openstack" },
      { kind: "vbmcd", name: "vbmcd" },
      { kind: "user", name: "manager" },
      { kind: "sudoers", name: sudoersPath("manager") },
      { kind: "file", name: NETWORK_HOOK },
    ]);
  });

  it("plans nothing for a converged host", () => {
    const spec = seedSpec();
    assert.deepEqual(ids(planManager(spec, converged(spec), { ...inputs, wasConverged: true })), []);
  });

  it("repairs a stopped libvirtd and says it was drift", () => {
    const spec = seedSpec();
    const facts = converged(spec);
    facts.services.libvirtd = { active: "inactive", enabled: "enabled" };
    const steps = planManager(spec, facts, { ...inputs, wasConverged: true });
    assert.deepEqual(ids(steps), ["libvirtd"]);
    assert.match(steps[0]!.drift ?? "", /libvirtd inactive/);
  });

  it("leaves an idle socket-activated libvirtd alone on Debian", () => {
    const spec = seedSpec();
    const facts = converged(spec);
    facts.services.libvirtd = { active: "inactive", enabled: "enabled" };
    facts.services.libvirtdSocket = { active: "active", enabled: "enabled" };
    assert.deepEqual(ids(planManager(spec, facts, { ...inputs, wasConverged: true })), []);
  });

  it("sets the password again when it is not the desired one: an edit, or drift when it changed on the host", async () => {
    const spec = seedSpec();
    const facts = converged(spec);
    facts.user.passwordCheck = "differs";
    const edit = planManager(spec, facts, { ...inputs, wasConverged: false });
    assert.deepEqual(ids(edit), ["user/manager/password"]);
    assert.equal(edit[0]!.drift, undefined, "a passwordRef edit is not drift");
    assert.equal(edit[0]!.owns, undefined, "the user is already recorded as ours");
    const drifted = planManager(spec, facts, { ...inputs, wasConverged: true });
    assert.match(drifted[0]!.drift ?? "", /password of manager changed/);

    const { ctx, calls } = recordingHost();
    await edit[0]!.apply(ctx);
    assert.equal(calls.length, 1);
    assert.ok(!calls[0]!.argv.some((a) => a.includes(PASSWORD)), "the password is in no argv");
    assert.equal(calls[0]!.opts.stdin, `${PASSWORD}\n`);

    for (const check of ["same", "unchecked", "uncheckable"] as const) {
      facts.user.passwordCheck = check;
      assert.deepEqual(ids(planManager(spec, facts, { ...inputs, wasConverged: true })), [], check);
    }
    assert.match(
      unappliedEdits(spec, facts, SEED_OWNED).join("\n"),
      /password of manager cannot be compared/,
    );
  });

  it("restores a deleted sudoers file, and owns it again", () => {
    const spec = seedSpec();
    const facts = converged(spec);
    delete facts.files[sudoersPath("manager")];
    const steps = planManager(spec, facts, { ...inputs, wasConverged: true });
    assert.deepEqual(ids(steps), ["user/manager/sudoers"]);
    assert.match(steps[0]!.drift ?? "", /missing/);
    assert.deepEqual(steps[0]!.owns, { kind: "sudoers", name: sudoersPath("manager") });
  });

  it("recreates a bridge deleted by hand", () => {
    const spec = seedSpec();
    const facts = converged(spec);
    facts.links = facts.links
      .filter((l) => l.ifname !== "openstack")
      .map((l) => ({ ...l, master: l.master === "openstack" ? null : l.master }));
    const steps = planManager(spec, facts, { ...inputs, wasConverged: true });
    assert.deepEqual(ids(steps), ["bridge/openstack"]);
    assert.match(steps[0]!.drift ?? "", /bridge openstack gone/);
  });

  it("notices a hand-edited bridge file and a member NIC taken out", () => {
    const spec = seedSpec();
    const facts = converged(spec);
    facts.files["/etc/systemd/network/50-lab-public.network"]!.sha256 = "0".repeat(64);
    const steps = planManager(spec, facts, { ...inputs, wasConverged: true });
    assert.deepEqual(ids(steps), ["bridge/public"]);
    const facts2 = converged(spec);
    facts2.links = facts2.links.map((l) => (l.ifname === "eno2" ? { ...l, master: null } : l));
    assert.match(planManager(spec, facts2, inputs)[0]!.description, /eno2 not in openstack/);
  });

  it("removes member files of NICs taken out of the spec", () => {
    const spec = seedSpec();
    const facts = converged(spec);
    facts.files["/etc/systemd/network/50-lab-openstack-eno9.network"] = {
      sha256: "x",
      mode: "644",
      owner: "root:root",
    };
    facts.bridgeOf["/etc/systemd/network/50-lab-openstack-eno9.network"] = "openstack";
    const steps = planManager(spec, facts, inputs);
    assert.deepEqual(ids(steps), ["bridge/openstack"]);
    assert.match(steps[0]!.description, /50-lab-openstack-eno9.network no longer wanted/);
  });

  it("refuses to move the NIC carrying the SSH session into a bridge", () => {
    const spec = seedSpec();
    const facts = bareDebian();
    facts.sshIface = "eno1";
    assert.throws(
      () => planManager(spec, facts, inputs),
      (e: unknown) => e instanceof PlanBlocked && /eno1/.test(e.message),
    );
  });

  it("refuses to move the default-route NIC, unless the bridge allows it", () => {
    const facts = bareDebian();
    facts.defaultRoutes = [{ dev: "eno2" }];
    assert.throws(() => planManager(seedSpec(), facts, inputs), PlanBlocked);
    const allowed = seedSpec({
      bridges: [
        {
          name: "openstack",
          interfaces: ["eno2"],
          dhcp: true,
          addresses: [],
          stp: true,
          forwardDelay: 2,
          moveDefaultRoute: true,
        },
      ],
    });
    assert.ok(ids(planManager(allowed, facts, inputs)).includes("bridge/openstack"));
  });

  it("does not block once the lifeline NIC is already in its bridge", () => {
    const spec = seedSpec();
    const facts = converged(spec);
    facts.defaultRoutes = [{ dev: "public" }];
    facts.sshIface = "eno1";
    assert.deepEqual(ids(planManager(spec, facts, inputs)), []);
  });

  it("installs only the missing packages, refreshing stale apt lists", () => {
    const spec = seedSpec({ packages: ["tcpdump"] });
    const facts = converged(spec);
    facts.installed = facts.installed.filter((p) => p !== "ipmitool" && p !== "tcpdump");
    facts.aptListsAgeSeconds = 3 * 24 * 3600;
    const [step] = planManager(spec, facts, inputs);
    assert.equal(step?.description, "install 2 packages: ipmitool tcpdump");
  });

  it("upgrades the system once, also when spec.upgrade is turned on after the Manager converged", () => {
    const spec = seedSpec({ upgrade: true });
    assert.match(planManager(spec, converged(spec), inputs)[0]!.description, /^upgrade the system/);
    const later = planManager(spec, converged(spec), { ...inputs, wasConverged: false, upgraded: false });
    assert.match(later[0]!.description, /^upgrade the system/, "an edit to upgrade: true lands");
    assert.deepEqual(ids(planManager(spec, converged(spec), { ...inputs, upgraded: true })), []);
  });

  it("tells the controller once the upgrade succeeded, and not for a plain install", async () => {
    const spec = seedSpec({ upgrade: true });
    let told = 0;
    const { ctx } = recordingHost();
    const [step] = planManager(spec, converged(spec), { ...inputs, onUpgraded: () => told++ });
    await step!.apply(ctx);
    assert.equal(told, 1);
    const facts = converged(spec);
    facts.installed = facts.installed.filter((n) => n !== "ipmitool");
    const [install] = planManager(seedSpec(), facts, { ...inputs, onUpgraded: () => told++ });
    await install!.apply(ctx);
    assert.equal(told, 1);
  });

  it("reinstalls VirtualBMC when the pinned version changes, and restarts vbmcd", () => {
    const spec = seedSpec();
    const facts = converged(spec);
    facts.vbmcVersion = "3.0.0";
    assert.deepEqual(ids(planManager(spec, facts, inputs)), ["virtualbmc/install", "virtualbmc/service"]);
  });

  it("leaves VirtualBMC alone when disabled", () => {
    const spec = seedSpec();
    spec.virtualBMC.enabled = false;
    assert.ok(!ids(planManager(spec, bareDebian(), inputs)).some((id) => id.startsWith("virtualbmc")));
  });

  it("authorizes the key by identity, whatever its comment", () => {
    const spec = seedSpec();
    const other = {
      ...inputs,
      managerPublicKey: inputs.managerPublicKey.replace("manager@manager", "renamed"),
    };
    assert.deepEqual(ids(planManager(spec, converged(spec), other)), []);
    const newKey = { ...inputs, managerPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOther x" };
    assert.deepEqual(ids(planManager(spec, converged(spec), newKey)), ["user/manager/authorized-key"]);
  });

  it("accepts a home already traversable by others, fixes a private one", () => {
    const spec = seedSpec();
    const facts = converged(spec);
    facts.user.homeMode = "755";
    assert.deepEqual(ids(planManager(spec, facts, inputs)), []);
    facts.user.homeMode = "700";
    assert.deepEqual(ids(planManager(spec, facts, inputs)), ["user/manager/home"]);
  });

  it("blocks with a clear message when the OS is neither Debian nor EL", () => {
    const facts = bareDebian();
    facts.osFamily = undefined;
    facts.os.id = "alpine";
    assert.throws(() => planManager(seedSpec(), facts, inputs), /neither apt nor dnf.*alpine/);
  });
});

describe("LabManager plan: an edit that takes something away", () => {
  const spec = seedSpec();
  const edited = seedSpec({ bridges: [spec.bridges[0]!] });

  it("removes a bridge it created once spec.bridges no longer lists it, and releases it", () => {
    const steps = planManager(edited, converged(spec), { ...inputs, wasConverged: false });
    assert.deepEqual(ids(steps), ["bridge/openstack/remove"]);
    assert.deepEqual(steps[0]!.releases, { kind: "bridge", name: "openstack" });
    assert.match(steps[0]!.description, /no longer in spec\.bridges/);
  });

  it("leaves a dropped bridge that it did not create, or that a network still names", () => {
    const notOurs = { ...inputs, owned: SEED_OWNED.filter((o) => o.name !== "openstack") };
    assert.deepEqual(ids(planManager(edited, converged(spec), notOurs)), []);
    const used = { ...inputs, networkBridges: ["openstack"] };
    assert.deepEqual(ids(planManager(edited, converged(spec), used)), []);
  });

  it("removes the sudoers file it created when spec.user.sudo turns false, and only that one", () => {
    const off = seedSpec({ user: { ...spec.user, sudo: false } });
    const steps = planManager(off, converged(spec), inputs);
    assert.deepEqual(ids(steps), ["sudoers/manager/remove"]);
    assert.deepEqual(steps[0]!.releases, { kind: "sudoers", name: sudoersPath("manager") });
    const notOurs = { ...inputs, owned: SEED_OWNED.filter((o) => o.kind !== "sudoers") };
    assert.deepEqual(ids(planManager(off, converged(spec), notOurs)), []);
  });
});

describe("LabManager plan: a feature turned off leaves the host", () => {
  const spec = seedSpec();

  it("installs the OpenStack clients in the user's venv when asked, and takes away only its own", () => {
    const on = seedSpec({ user: { ...spec.user, openstackClients: true } });
    const steps = planManager(on, converged(spec), inputs);
    assert.deepEqual(ids(steps), ["user/manager/openstack-clients"]);
    assert.deepEqual(steps[0]!.owns, { kind: "openstack-clients", name: "manager" });
    assert.deepEqual(ids(planManager(on, converged(on), inputs)), [], "installed: nothing to do");
    const half = converged(on);
    half.user.openstackClients = { openstack: "7.1.0", heat: "" };
    assert.deepEqual(ids(planManager(on, half, inputs)), ["user/manager/openstack-clients"], "heat missing");
    // Turned off: removed when this object installed it, left (and said) when not.
    const mine = { kind: "openstack-clients" as const, name: "manager" };
    const removal = planManager(spec, converged(on), { ...inputs, owned: [...SEED_OWNED, mine] });
    assert.deepEqual(ids(removal), ["user/manager/openstack-clients/remove"]);
    assert.deepEqual(removal[0]!.releases, mine);
    assert.deepEqual(ids(planManager(spec, converged(on), inputs)), [], "not ours: left alone");
  });

  it("removes the shell-rc block when spec.user.shellRc turns false", () => {
    const off = seedSpec({ user: { ...spec.user, shellRc: false } });
    assert.deepEqual(ids(planManager(off, converged(spec), inputs)), ["user/manager/shell-rc/remove"]);
    const facts = converged(spec);
    facts.user.rcBlock = "";
    assert.deepEqual(ids(planManager(off, facts, inputs)), [], "no block: nothing to do");
  });

  it("removes the network hook it installed when spec.networkHook.enabled turns false", () => {
    const off = seedSpec({ networkHook: { ...spec.networkHook, enabled: false } });
    const hook = { kind: "file" as const, name: NETWORK_HOOK };
    const steps = planManager(off, converged(spec), { ...inputs, owned: [...SEED_OWNED, hook] });
    assert.deepEqual(ids(steps), ["libvirt-network-hook/remove"]);
    assert.deepEqual(steps[0]!.releases, hook);
    assert.deepEqual(ids(planManager(off, converged(spec), inputs)), [], "a hook we did not install stays");
  });
});

describe("LabManager plan: spec.virtualBMC.enabled turned false", () => {
  const spec = seedSpec();
  const off = seedSpec({ virtualBMC: { ...spec.virtualBMC, enabled: false } });
  const vbmcd = { kind: "vbmcd" as const, name: "vbmcd" };
  const owned = [...SEED_OWNED, vbmcd];

  it("removes the vbmcd it installed, as on delete, and releases it", () => {
    const steps = planManager(off, converged(spec), { ...inputs, owned });
    assert.deepEqual(ids(steps), ["virtualbmc/remove"]);
    assert.deepEqual(steps[0]!.releases, vbmcd);
    assert.deepEqual(unappliedEdits(off, converged(spec), owned), [], "nothing left to say");
  });

  it("keeps it while VMs of the lab are on the Manager, and says so", () => {
    const vmObjects = ["TripleOUndercloud/tripleo"];
    assert.deepEqual(ids(planManager(off, converged(spec), { ...inputs, owned, vmObjects })), []);
    assert.match(
      unappliedEdits(off, converged(spec), owned, [], vmObjects).join("\n"),
      /vbmcd keeps running: TripleOUndercloud\/tripleo still has VMs on this Manager/,
    );
  });

  it("leaves a vbmcd it did not install", () => {
    assert.deepEqual(ids(planManager(off, converged(spec), inputs)), []);
  });
});
