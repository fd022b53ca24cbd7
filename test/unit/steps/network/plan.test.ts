import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { renderNetworkXml } from "../../../../src/render/libvirt-network.js";
import { planNetwork, planStoppedRename } from "../../../../src/steps/network/plan.js";
import { PlanBlocked } from "../../../../src/steps/types.js";
import { applyAll, factsOf, fixture, missing, seed, verbs } from "./support.js";

const HOOK = { hook: { configFile: "/etc/lab-operator/network-hook.conf" } };
const PUBLIC_HOOK_CONFIG = "# header\npublic 10.0.2.0/24\n";
const PUBLIC_RULE =
  '-A POSTROUTING -s 10.0.2.0/24 ! -d 10.0.2.0/24 -m comment --comment "lab-operator:public" -j MASQUERADE';

function blocked(fn: () => unknown, reason: string, message: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof PlanBlocked, `expected PlanBlocked, got ${String(err)}`);
    assert.equal(err.reason, reason);
    assert.match(err.message, message);
    return true;
  });
}

/** The full network with a DHCP range, a DHCP host and a DNS host changed. */
const dhcpAndDnsEdited = () =>
  seed.full({
    ipv4: {
      address: "192.168.150.1/24",
      dhcp: {
        ranges: [{ start: "192.168.150.10", end: "192.168.150.120" }],
        hosts: [{ mac: "52:54:00:aa:00:01", ip: "192.168.150.7", name: "tripleo" }],
      },
    },
    dnsHosts: [{ ip: "192.168.150.7", hostnames: ["tripleo"] }],
  });

describe("planNetwork", () => {
  it("defines, autostarts and starts a missing network, stamped as ours", async () => {
    const net = seed.hypervisor();
    const steps = planNetwork(net, missing("hypervisor-control-plane"), HOOK);
    assert.deepEqual(
      steps.map((s) => s.id),
      [
        "network/hypervisor-control-plane/define",
        "network/hypervisor-control-plane/autostart",
        "network/hypervisor-control-plane/start",
      ],
    );
    const host = await applyAll(steps);
    assert.equal(host.uploads.length, 1);
    const xml = host.uploads[0]!.content;
    assert.match(
      xml,
      /<lab:owner xmlns:lab="https:\/\/openstacklab.io\/ownership" kind="LibvirtNetwork" namespace="default" name="hypervisor-control-plane"/,
    );
    assert.doesNotMatch(xml, /<uuid>/);
    assert.ok(host.execs.some((a) => a.includes("net-define") && a.includes(host.uploads[0]!.path)));
    assert.equal(
      steps.some((s) => s.drift),
      false,
    );
  });

  it("refuses to start on a subnet or bridge an active network already holds (the distribution's default)", () => {
    const defaultNet = `<network><name>default</name><forward mode='nat'/><bridge name='virbr0' stp='on' delay='0'/><ip address='192.168.122.1' netmask='255.255.255.0'/></network>`;
    blocked(
      () => planNetwork(seed.hypervisor(), missing("hypervisor-control-plane", [defaultNet]), HOOK),
      "Conflict",
      /active network default already uses subnet 192.168.122.0\/24; set spec.libvirtDefaultNetwork: disabled on the LabManager/,
    );
    const sameBridge = defaultNet.replace("virbr0", "labfull").replace("192.168.122.1", "10.5.0.1");
    const stopped = factsOf("full", fixture("full"), { active: false, otherActive: [sameBridge] });
    blocked(() => planNetwork(seed.full(), stopped, HOOK), "Conflict", /already uses bridge labfull;/);
    const elsewhere = defaultNet.replace("192.168.122.1", "192.168.124.1");
    assert.equal(
      planNetwork(seed.hypervisor(), missing("hypervisor-control-plane", [elsewhere]), HOOK).length,
      3,
    );
  });

  it("writes the masquerade entry before the first start so the hook fires", () => {
    const steps = planNetwork(seed.public(), missing("public"), HOOK);
    assert.deepEqual(
      steps.map((s) => s.id.split("/").pop()),
      ["define", "masquerade", "autostart", "start"],
    );
  });

  it("plans nothing for the converged seed networks", () => {
    assert.deepEqual(
      planNetwork(
        seed.hypervisor(),
        factsOf("hypervisor-control-plane", fixture("hypervisor-control-plane")),
        HOOK,
      ),
      [],
    );
    assert.deepEqual(
      planNetwork(
        seed.openstack(),
        factsOf("openstack-control-plane", fixture("openstack-control-plane")),
        HOOK,
      ),
      [],
    );
    const pub = factsOf("public", fixture("public"), {
      hookConfig: PUBLIC_HOOK_CONFIG,
      natRules: [PUBLIC_RULE],
    });
    assert.deepEqual(planNetwork(seed.public(), pub, HOOK), []);
    assert.deepEqual(planNetwork(seed.full(), factsOf("full", fixture("full")), HOOK), []);
  });

  it("starts a network destroyed by hand, and says it was drift", () => {
    const facts = factsOf("hypervisor-control-plane", fixture("hypervisor-control-plane"), { active: false });
    const steps = planNetwork(seed.hypervisor(), facts, { ...HOOK, wasConverged: true });
    assert.deepEqual(
      steps.map((s) => s.id),
      ["network/hypervisor-control-plane/start"],
    );
    assert.equal(steps[0]!.drift, "network destroyed by hand");
    assert.equal(planNetwork(seed.hypervisor(), facts, HOOK)[0]!.drift, undefined);
  });

  it("turns autostart back on", () => {
    const facts = factsOf("openstack-control-plane", fixture("openstack-control-plane"), {
      autostart: false,
    });
    const steps = planNetwork(seed.openstack(), facts, { ...HOOK, wasConverged: true });
    assert.deepEqual(
      steps.map((s) => s.id),
      ["network/openstack-control-plane/autostart"],
    );
    assert.equal(steps[0]!.drift, "autostart turned off");
  });

  it("adds a DHCP host live with net-update only: no define, no destroy", async () => {
    const net = seed.full();
    net.spec.ipv4!.dhcp!.hosts.push({ mac: "52:54:00:aa:00:02", ip: "192.168.150.6", name: "undercloud" });
    const steps = planNetwork(net, factsOf("full", fixture("full")), HOOK);
    assert.equal(steps.length, 1);
    const host = await applyAll(steps);
    assert.deepEqual(verbs(host), ["net-update"]);
    const argv = host.execs[0]!;
    assert.deepEqual(argv.slice(argv.indexOf("--command"), argv.indexOf("--xml")), [
      "--command",
      "add",
      "--section",
      "ip-dhcp-host",
    ]);
    assert.equal(
      argv[argv.indexOf("--xml") + 1],
      '<host mac="52:54:00:aa:00:02" name="undercloud" ip="192.168.150.6"/>',
    );
    assert.ok(argv.includes("--live") && argv.includes("--config"));
    assert.equal(host.uploads.length, 0);
  });

  it("changes, removes and re-ranges DHCP and DNS entries live, deletions first", () => {
    const net = dhcpAndDnsEdited();
    const steps = planNetwork(net, factsOf("full", fixture("full")), HOOK);
    assert.deepEqual(
      steps.map((s) => s.description.replace(/ on network full.*/, "")),
      [
        "remove DHCP range 192.168.150.10-192.168.150.99",
        "remove DNS host 192.168.150.5 tripleo,tripleo.lab",
        "add DHCP range 192.168.150.10-192.168.150.120",
        "change DHCP host 52:54:00:aa:00:01 → 192.168.150.5 (tripleo) to 52:54:00:aa:00:01 → 192.168.150.7 (tripleo)",
        "add DNS host 192.168.150.7 tripleo",
      ],
    );
    assert.ok(steps.every((s) => s.id.startsWith("network/full/update/")));
  });

  it("names each spec field libvirt's definition differs in, with what libvirt has (labctl diff)", () => {
    const net = dhcpAndDnsEdited();
    const facts = factsOf("full", fixture("full"), { autostart: false });
    const fields = planNetwork(net, facts, HOOK).flatMap((s) => s.fields ?? []);
    assert.deepEqual(fields, [
      {
        path: "spec.ipv4.dhcp.ranges",
        host: "192.168.150.10-192.168.150.99",
        wanted: "192.168.150.10-192.168.150.120",
      },
      {
        path: "spec.ipv4.dhcp.hosts",
        host: "52:54:00:aa:00:01 192.168.150.5 tripleo",
        wanted: "52:54:00:aa:00:01 192.168.150.7 tripleo",
      },
      {
        path: "spec.dnsHosts",
        host: "192.168.150.5 tripleo,tripleo.lab",
        wanted: "192.168.150.7 tripleo",
      },
      { path: "spec.autostart", host: "false", wanted: "true" },
    ]);
    const moved = planNetwork(
      seed.full({ bridge: "labfull2", updatePolicy: "Restart" }),
      factsOf("full", fixture("full")),
      HOOK,
    );
    assert.deepEqual(
      moved.flatMap((s) => s.fields ?? []),
      [{ path: "spec.bridge", host: "labfull", wanted: "labfull2" }],
    );
    assert.deepEqual(
      planNetwork(seed.hypervisor(), missing("hypervisor-control-plane"), HOOK).flatMap(
        (s) => s.fields ?? [],
      ),
      [
        {
          path: "spec",
          host: "no libvirt network hypervisor-control-plane",
          wanted: "network hypervisor-control-plane defined",
        },
        { path: "spec.autostart", host: "false", wanted: "true" },
      ],
    );
  });

  it("refuses a bridge change under updatePolicy Manual, naming the attached domains", () => {
    const net = seed.full({ bridge: "labfull2" });
    const facts = factsOf("full", fixture("full"), {
      ifaces: [
        "tripleo\tnetwork\tfull",
        "other\tnetwork\tdefault",
        "pxe\tbridge\tlabfull",
        "tripleo\tbridge\topenstack",
      ],
    });
    blocked(
      () => planNetwork(net, facts, HOOK),
      "RestartRequired",
      /bridge labfull → labfull2.*affects domains: pxe, tripleo; set spec.updatePolicy: Restart/,
    );
  });

  it("redefines and restarts for a forward-mode change under updatePolicy Restart, keeping the uuid", async () => {
    const net = seed.full({ mode: "isolated", updatePolicy: "Restart" });
    const facts = factsOf("full", fixture("full"));
    const steps = planNetwork(net, facts, HOOK);
    assert.deepEqual(
      steps.map((s) => s.id.split("/").pop()),
      ["define", "destroy", "start"],
    );
    const host = await applyAll(steps);
    assert.match(host.uploads[0]!.content, new RegExp(`<name>full</name>\\n  <uuid>${facts.uuid}</uuid>`));
    assert.doesNotMatch(host.uploads[0]!.content, /<forward/);
  });

  it("redefines an inactive network without a restart-required block", () => {
    const facts = factsOf("full", fixture("full"), { active: false });
    const steps = planNetwork(seed.full({ bridge: "labfull2" }), facts, HOOK);
    assert.deepEqual(
      steps.map((s) => s.id.split("/").pop()),
      ["define", "start"],
    );
  });

  it("will not touch a network of the same name that lab-operator did not create", () => {
    const foreign = fixture("hypervisor-control-plane").replace(/\s*<metadata>[\s\S]*<\/metadata>/, "");
    blocked(
      () => planNetwork(seed.hypervisor(), factsOf("hypervisor-control-plane", foreign), HOOK),
      "Conflict",
      /hypervisor-control-plane already exists and was not created by lab-operator; set spec.adopt: true/,
    );
  });

  it("will not touch a network stamped by another object (other uid)", () => {
    const other = fixture("full").replace(
      "11111111-2222-3333-4444-555555555555",
      "99999999-2222-3333-4444-555555555555",
    );
    blocked(
      () => planNetwork(seed.full(), factsOf("full", other), HOOK),
      "Conflict",
      /belongs to LibvirtNetwork default\/full \(uid 9999/,
    );
  });

  it("adopts a foreign network by stamping its definition, without a restart", async () => {
    const foreign = fixture("hypervisor-control-plane").replace(/\s*<metadata>[\s\S]*<\/metadata>/, "");
    const net = seed.hypervisor();
    net.spec.adopt = true;
    const facts = factsOf("hypervisor-control-plane", foreign);
    const steps = planNetwork(net, facts, HOOK);
    const host = await applyAll(steps);
    assert.deepEqual(
      verbs(host).filter((v) => v.startsWith("net-")),
      ["net-define"],
    );
    assert.match(host.uploads[0]!.content, /lab:owner/);
    assert.match(host.uploads[0]!.content, new RegExp(`<uuid>${facts.uuid}</uuid>`));
  });

  it("restores a masquerade rule that vanished while the network runs", async () => {
    const facts = factsOf("public", fixture("public"), { hookConfig: PUBLIC_HOOK_CONFIG, natRules: [] });
    const steps = planNetwork(seed.public(), facts, { ...HOOK, wasConverged: true });
    assert.deepEqual(
      steps.map((s) => s.id),
      ["network/public/masquerade"],
    );
    assert.match(steps[0]!.drift ?? "", /masquerade rule missing for 10.0.2.0\/24/);
    const host = await applyAll(steps);
    assert.deepEqual(host.stdins, ["public 10.0.2.0/24"]);
    assert.deepEqual(host.execs[0]!.slice(4, 8), [
      "/etc/lab-operator/network-hook.conf",
      "public",
      "/etc/libvirt/hooks/network",
      "true",
    ]);
  });

  it("writes the hook entry when the config lacks it, and refuses masquerade without a hook", () => {
    const facts = factsOf("public", fixture("public"), { hookConfig: "# header\nother 10.9.0.0/24\n" });
    assert.deepEqual(
      planNetwork(seed.public(), facts, HOOK).map((s) => s.id),
      ["network/public/masquerade"],
    );
    blocked(() => planNetwork(seed.public(), facts, {}), "HookDisabled", /networkHook is disabled/);
  });
});

describe("planNetwork: spec.networkName changed after the network converged", () => {
  const renamed = (policy: "Manual" | "Restart") => {
    const net = seed.hypervisor();
    return { ...net, spec: { ...net.spec, networkName: "hcp2", updatePolicy: policy } };
  };
  const running = renderNetworkXml(seed.hypervisor());

  it("refuses under updatePolicy Manual, naming the old network", () => {
    blocked(
      () => planNetwork(renamed("Manual"), missing("hcp2", [running]), HOOK),
      "RestartRequired",
      /libvirt network hypervisor-control-plane, defined by this object under its old name, must be replaced by hcp2/,
    );
  });

  it("under Restart stops and undefines the old one (its stamp checked again), then creates the new one", () => {
    const hookConfig = "# header\nhypervisor-control-plane 10.0.9.0/24\n";
    const facts = { ...missing("hcp2", [running]), hookConfig };
    const steps = planNetwork(renamed("Restart"), facts, HOOK);
    assert.deepEqual(
      steps.map((s) => s.id),
      [
        "network/hypervisor-control-plane/destroy",
        "network/hypervisor-control-plane/masquerade",
        "network/hypervisor-control-plane/undefine",
        "network/hcp2/define",
        "network/hcp2/autostart",
        "network/hcp2/start",
      ],
      "the old network's bridge and subnet are no clash: it goes first",
    );
  });

  it("a stopped old network is undefined under any updatePolicy (its hook entry too); a running or foreign one is not", () => {
    const hookConfig = "# header\nhypervisor-control-plane 10.0.9.0/24\n";
    const stopped = factsOf("hypervisor-control-plane", running, { active: false, hookConfig });
    for (const policy of ["Manual", "Restart"] as const)
      assert.deepEqual(
        planStoppedRename(renamed(policy), stopped, HOOK.hook).map((s) => s.id),
        ["network/hypervisor-control-plane/masquerade", "network/hypervisor-control-plane/undefine"],
        policy,
      );
    const live = factsOf("hypervisor-control-plane", running);
    assert.deepEqual(planStoppedRename(renamed("Restart"), live, HOOK.hook), [], "running: planNetwork's");
    const foreign = factsOf("hypervisor-control-plane", renderNetworkXml(seed.openstack()), {
      active: false,
    });
    assert.deepEqual(planStoppedRename(renamed("Restart"), foreign, HOOK.hook), [], "not ours");
    assert.deepEqual(
      planStoppedRename(renamed("Restart"), missing("hypervisor-control-plane"), HOOK.hook),
      [],
      "gone",
    );
    const same = factsOf("hcp2", running, { active: false });
    assert.deepEqual(planStoppedRename(renamed("Restart"), same, HOOK.hook), [], "not renamed");
  });

  it("leaves a network another object stamped", () => {
    const other = renderNetworkXml(seed.openstack());
    const steps = planNetwork(renamed("Restart"), missing("hcp2", [other]), HOOK);
    assert.deepEqual(
      steps.map((s) => s.id),
      ["network/hcp2/define", "network/hcp2/autostart", "network/hcp2/start"],
    );
  });
});
