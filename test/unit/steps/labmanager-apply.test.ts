import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bash } from "../../../src/steps/bash.js";
import { networkdFiles, nmFiles } from "../../../src/steps/labmanager/bridge-files.js";
import { planManager, planManagerCleanup } from "../../../src/steps/labmanager/plan.js";
import type { Step } from "../../../src/steps/types.js";
import { bareDebian, converged, inputs, PASSWORD, recordingHost, seedSpec } from "./manager-fixtures.js";

function stepById(steps: Step[], id: string): Step {
  const s = steps.find((x) => x.id === id);
  assert.ok(s, `no step ${id} in ${steps.map((x) => x.id).join(", ")}`);
  return s;
}

/** argv of a runScript call: ["bash", "-c", SCRIPT, "lab-operator", ...args]. */
const scriptArgs = (argv: readonly string[]) => argv.slice(4);

describe("LabManager steps, applied to a recording host", () => {
  it("sends the password only on stdin, never in argv", async () => {
    const { calls, ctx } = recordingHost();
    await stepById(planManager(seedSpec(), bareDebian(), inputs), "user/manager").apply(ctx);
    assert.equal(calls.length, 1);
    assert.ok(!calls.some((c) => c.argv.some((a) => a.includes(PASSWORD))));
    assert.equal(calls[0]!.opts.stdin, `${PASSWORD}\n`);
    assert.equal(calls[0]!.opts.sudo, true);
    assert.match(calls[0]!.argv[2]!, /chpasswd/);
  });

  it("installs missing Debian packages with apt, refreshing lists first when none exist", async () => {
    const { calls, ctx } = recordingHost();
    const lines: string[] = [];
    await stepById(planManager(seedSpec(), bareDebian(), inputs), "packages").apply({
      ...ctx,
      onProgress: (l) => lines.push(l),
    });
    const [call] = calls;
    assert.match(call!.argv[2]!, /apt-get .*--no-install-recommends install/);
    assert.deepEqual(scriptArgs(call!.argv).slice(0, 3), ["update", "-", "libvirt-daemon-system"]);
    call!.opts.onLine?.("stdout", "Setting up libvirt0 ...");
    assert.deepEqual(lines, ["Setting up libvirt0 ..."]);
  });

  it("renders dnf installs and NetworkManager keyfiles for the EL family", async () => {
    const spec = seedSpec({ osFamily: "el" });
    const facts = bareDebian();
    facts.osFamily = "el";
    const steps = planManager(spec, facts, inputs);
    const { calls, ctx } = recordingHost();
    await stepById(steps, "repositories").apply(ctx);
    assert.match(calls[0]!.argv[2]!, /"\$pm" -y install/);
    assert.deepEqual(scriptArgs(calls[0]!.argv), ["dnf", "-", "epel-release"]);
    await stepById(steps, "packages").apply(ctx);
    assert.deepEqual(scriptArgs(calls[1]!.argv).slice(0, 3), ["dnf", "-", "qemu-kvm"]);
    await stepById(steps, "bridge/public").apply(ctx);
    const writes = calls.filter((c) => c.opts.purpose.startsWith("write /etc/NetworkManager"));
    assert.deepEqual(
      writes.map((c) => scriptArgs(c.argv).slice(0, 2)),
      [
        ["/etc/NetworkManager/system-connections/lab-public.nmconnection", "0600"],
        ["/etc/NetworkManager/system-connections/lab-public-eno1.nmconnection", "0600"],
      ],
    );
    assert.ok(calls.some((c) => /nmcli connection reload/.test(c.argv[2] ?? "")));
    assert.equal(
      stepById(steps, "qemu-bridge-helper").description.includes("/etc/qemu-kvm/bridge.conf"),
      true,
    );
  });

  it("validates a sudoers file with visudo before moving it into place", async () => {
    const { calls, ctx } = recordingHost();
    await stepById(planManager(seedSpec(), bareDebian(), inputs), "user/manager/sudoers").apply(ctx);
    const script = calls[0]!.argv[2]!;
    assert.ok(script.indexOf("visudo -cqf") < script.indexOf("mv -f"), "visudo runs before mv");
    assert.match(String(calls[0]!.opts.stdin), /^manager ALL=\(root\) NOPASSWD:ALL$/m);
  });

  it("writes networkd files for a bridge, then verifies it is up with its members", async () => {
    const { calls, ctx } = recordingHost();
    await stepById(planManager(seedSpec(), bareDebian(), inputs), "bridge/public").apply(ctx);
    const paths = calls.filter((c) => c.opts.purpose.startsWith("write ")).map((c) => scriptArgs(c.argv)[0]);
    assert.deepEqual(paths, [
      "/etc/systemd/network/50-lab-public.netdev",
      "/etc/systemd/network/50-lab-public.network",
      "/etc/systemd/network/00-lab-public-eno1.network",
    ]);
    assert.deepEqual(scriptArgs(calls.at(-2)!.argv), ["public", "1", "200", "eno1"]);
    assert.equal(calls.at(-1)!.opts.purpose, "verify bridge public");
  });

  it("cleans up only what the object owns", () => {
    const spec = seedSpec();
    const facts = converged(spec);
    const steps = planManagerCleanup(spec, facts, [
      { kind: "bridge", name: "openstack" },
      { kind: "user", name: "manager" },
    ]);
    assert.deepEqual(
      steps.map((s) => s.id),
      ["cleanup/bridge/openstack", "cleanup/user/manager"],
    );
    assert.deepEqual(planManagerCleanup(spec, facts, []), []);
  });

  it("removes the OpenStack clients' venv it installed for a user it did not create", () => {
    const spec = seedSpec({ user: { ...seedSpec().user, openstackClients: true } });
    const facts = converged(spec);
    const clients = { kind: "openstack-clients" as const, name: "manager" };
    assert.deepEqual(
      planManagerCleanup(spec, facts, [clients]).map((s) => s.id),
      ["user/manager/openstack-clients/remove"],
    );
    assert.deepEqual(
      planManagerCleanup(spec, facts, [clients, { kind: "user", name: "manager" }]).map((s) => s.id),
      ["cleanup/user/manager"],
      "a user we delete takes its home, venv included",
    );
  });

  it("skips cleanup of owned things already gone", () => {
    const spec = seedSpec();
    const owned = [
      { kind: "vbmcd" as const, name: "vbmcd" },
      { kind: "bridge" as const, name: "public" },
      { kind: "user" as const, name: "manager" },
    ];
    assert.deepEqual(planManagerCleanup(spec, converged(spec), owned).length, 3);
    assert.deepEqual(planManagerCleanup(spec, bareDebian(), owned), []);
  });
});

describe("rendered host files", () => {
  it("networkd bridge: STP and forward delay, DHCP plus the gateway address", () => {
    const [netdev, network, member] = networkdFiles(seedSpec().bridges[0]!);
    assert.match(netdev!.content, /Kind=bridge[\s\S]*STP=yes\nForwardDelaySec=2/);
    assert.match(network!.content, /DHCP=ipv4\nAddress=10\.0\.2\.1\/24/);
    assert.match(member!.content, /Name=eno1[\s\S]*Bridge=public/);
  });

  it("NetworkManager keyfiles get stable UUIDs and disable IPv4 on an unaddressed bridge", () => {
    const b = seedSpec().bridges[1]!;
    const a = nmFiles(b);
    assert.deepEqual(a, nmFiles(b));
    assert.match(a[0]!.content, /\[ipv4\]\nmethod=disabled/);
    assert.match(a[0]!.content, /uuid=[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}/);
    assert.match(a[1]!.content, /master=openstack\nslave-type=bridge/);
    assert.match(
      a[1]!.content,
      /autoconnect-priority=10\n/,
      "the port wins over the NIC's own profile at boot",
    );
  });

  it("refuses values interpolated into a bash script", () => {
    const evil = "$(rm -rf /)";
    assert.throws(() =>
      (bash as unknown as (s: TemplateStringsArray, ...v: string[]) => string)(
        Object.assign(["a", "b"], { raw: ["a", "b"] }),
        evil,
      ),
    );
    assert.equal(bash`echo "\${1}"`, 'echo "${1}"');
  });
});
