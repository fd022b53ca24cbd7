import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildTopology } from "../../../src/topology/model.js";
import { topologyOfSaved } from "../../../src/topology/collect.js";
import { labObjects, stateWithReady } from "./fixtures.js";

describe("lab topology", () => {
  it("draws Manager → bridges → networks → VM, whatever the input order", () => {
    const t = buildTopology({ objects: labObjects(), states: [] });
    assert.deepEqual(
      t.nodes.map((n) => `${n.kind}/${n.name}`),
      [
        "LabManager/lab",
        "Bridge/public",
        "Bridge/openstack",
        "LibvirtNetwork/hypervisor-control-plane",
        "Bridge/hypervisor",
        "LibvirtNetwork/openstack-cp",
        "LibvirtNetwork/public",
        "TripleOUndercloud/undercloud",
      ],
    );
    const edge = (a: string, b: string) => t.edges.some((e) => e.from.endsWith(a) && e.to.endsWith(b));
    assert.ok(edge("LabManager/default/lab", "Bridge/default/lab/openstack"));
    assert.ok(edge("Bridge/default/lab/openstack", "LibvirtNetwork/default/openstack-cp"));
    assert.ok(
      edge("LabManager/default/lab", "Bridge/default/lab/hypervisor"),
      "libvirt's bridge hangs off the Manager",
    );
    assert.ok(
      edge("LibvirtNetwork/default/hypervisor-control-plane", "TripleOUndercloud/default/undercloud"),
    );
    assert.ok(edge("LibvirtNetwork/default/openstack-cp", "TripleOUndercloud/default/undercloud"));
    assert.equal(t.edges.length, 8);
    assert.deepEqual(buildTopology({ objects: labObjects().reverse(), states: [] }), t);
  });

  it("takes Ready and reason from saved state; host bridges follow the Manager, libvirt's the network", () => {
    const t = buildTopology({
      objects: labObjects(),
      states: [
        stateWithReady("LabManager", "lab", "True", "Converged"),
        stateWithReady(
          "LibvirtNetwork",
          "hypervisor-control-plane",
          "False",
          "CommandFailed",
          "virsh start failed",
        ),
      ],
    });
    const byName = (kind: string, name: string) => t.nodes.find((n) => n.kind === kind && n.name === name)!;
    assert.equal(byName("LabManager", "lab").ready, "True");
    assert.equal(byName("Bridge", "openstack").ready, "True");
    assert.equal(byName("Bridge", "openstack").detail, "host bridge");
    assert.equal(byName("Bridge", "public").detail, "host bridge 10.0.2.1/24");
    const nat = byName("LibvirtNetwork", "hypervisor-control-plane");
    assert.deepEqual(
      [nat.ready, nat.reason, nat.message, nat.detail],
      ["False", "CommandFailed", "virsh start failed", "nat 192.168.122.1/24"],
    );
    assert.equal(byName("Bridge", "hypervisor").ready, "False");
    assert.equal(byName("Bridge", "hypervisor").detail, "created by libvirt");
    const vm = byName("TripleOUndercloud", "undercloud");
    assert.deepEqual([vm.ready, vm.reason], ["Unknown", "NotReconciled"]);
    assert.match(vm.detail, /^VM undercloud, 4 vCPU, 16000 MiB$/);
  });

  it("drops edges to objects that are not declared (a VM on a missing network)", () => {
    const objects = labObjects().filter((o) => o.metadata.name !== "openstack-cp");
    const t = buildTopology({ objects, states: [] });
    assert.ok(t.edges.every((e) => !e.from.includes("openstack-cp")));
    assert.ok(
      t.nodes.some((n) => n.kind === "Bridge" && n.name === "openstack"),
      "the host bridge stays",
    );
  });

  it("a bridge-mode network onto a bridge the Manager does not declare says so", () => {
    const objects = labObjects().map((o) =>
      o.kind === "LabManager" ? { ...o, spec: { ...o.spec, bridges: [] } } : o,
    );
    const t = buildTopology({ objects, states: [] });
    assert.equal(
      t.nodes.find((n) => n.id === "Bridge/default/lab/public")!.detail,
      "bridge not declared by the Manager",
    );
  });

  it("without manifests, the graph comes from the last good objects in saved state", () => {
    const states = labObjects().map((o) => {
      const s = stateWithReady(o.kind, o.metadata.name, "True", "Converged");
      s.lastGoodObject = o;
      return s;
    });
    const t = topologyOfSaved(states);
    assert.equal(t.nodes.length, 8);
    assert.ok(t.nodes.filter((n) => n.kind !== "Bridge").every((n) => n.ready === "True"));
  });
});
