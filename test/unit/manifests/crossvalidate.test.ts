import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import type { LabManager, LibvirtNetwork, TripleOUndercloud } from "../../../src/api/index.js";
import {
  crossValidate,
  formatError,
  loadManifests,
  type LoadedObject,
} from "../../../src/manifests/index.js";

const manifestsDir = fileURLToPath(new URL("../../../manifests/", import.meta.url));
let example: LoadedObject[] = [];

before(async () => {
  const loaded = await loadManifests([manifestsDir]);
  assert.deepEqual(loaded.errors, []);
  // Short, stable file names in the expected messages. The OvercloudNodeSet, which refers to
  // all the others, has its own cases (overcloud-checks.test.ts).
  example = loaded.objects
    .filter((o) => o.object.kind !== "OvercloudNodeSet")
    .map((o) => ({ ...o, source: { file: "lab.yaml", doc: 0 } }));
  example.forEach((o, i) => (o.source.doc = i + 1));
});

/** A deep copy of the example lab (docs: 1 lab, 2 hcp, 3 openstack-cp, 4 public, 5 tripleo). */
function lab(): LoadedObject[] {
  return structuredClone(example);
}

function find<T>(objects: LoadedObject[], name: string): T {
  const found = objects.find((o) => o.object.metadata.name === name);
  assert.ok(found, name);
  return found.object as T;
}

function errors(objects: LoadedObject[]): string[] {
  return crossValidate(objects).map(formatError);
}

function withObject(objects: LoadedObject[], object: LoadedObject["object"]): LoadedObject[] {
  return [...objects, { object, source: { file: "extra.yaml", doc: 1 } }];
}

describe("cross-object validation", () => {
  it("accepts the example lab", () => {
    assert.deepEqual(errors(lab()), []);
  });

  it("reports a duplicate Kind/namespace/name at its second declaration", () => {
    const objects = lab();
    const copy = structuredClone(find<LibvirtNetwork>(objects, "public"));
    assert.deepEqual(errors(withObject(objects, copy)), [
      'extra.yaml:1 LibvirtNetwork/public metadata.name: duplicate LibvirtNetwork "public" in namespace "default" (first declared at lab.yaml:4)',
    ]);
  });

  it("reports a managerRef to a missing LabManager", () => {
    const objects = lab();
    find<TripleOUndercloud>(objects, "tripleo").spec.managerRef.name = "nope";
    assert.deepEqual(errors(objects), [
      'lab.yaml:5 TripleOUndercloud/tripleo spec.managerRef.name: LabManager "nope" not found in namespace "default"',
      'lab.yaml:5 TripleOUndercloud/tripleo spec.nics[0].networkRef.name: LibvirtNetwork "hypervisor-control-plane" is on LabManager "lab", not "nope"',
      'lab.yaml:5 TripleOUndercloud/tripleo spec.nics[1].networkRef.name: LibvirtNetwork "openstack-control-plane" is on LabManager "lab", not "nope"',
    ]);
  });

  it("looks references up in the object's own namespace", () => {
    const objects = lab();
    find<LibvirtNetwork>(objects, "public").metadata.namespace = "other";
    assert.deepEqual(errors(objects), [
      'lab.yaml:4 LibvirtNetwork/public spec.managerRef.name: LabManager "lab" not found in namespace "other"',
    ]);
  });

  it("reports a NIC on a missing network", () => {
    const objects = lab();
    find<TripleOUndercloud>(objects, "tripleo").spec.nics[1] = {
      networkRef: { name: "pxe" },
      model: "virtio",
    };
    assert.deepEqual(errors(objects), [
      'lab.yaml:5 TripleOUndercloud/tripleo spec.nics[1].networkRef.name: LibvirtNetwork "pxe" not found in namespace "default"',
    ]);
  });

  it("reports overlapping subnets of networks on one Manager", () => {
    const objects = lab();
    const other = structuredClone(find<LibvirtNetwork>(objects, "hypervisor-control-plane"));
    other.metadata.name = "other";
    other.spec.bridge = "other";
    other.spec.ipv4 = { address: "192.168.0.1/16" };
    assert.deepEqual(errors(withObject(objects, other)), [
      'extra.yaml:1 LibvirtNetwork/other spec.ipv4.address: subnet 192.168.0.0/16 overlaps 192.168.122.0/24 of LibvirtNetwork "hypervisor-control-plane" on LabManager "lab"',
    ]);
  });

  it("allows the same subnet on two different Managers", () => {
    const objects = lab();
    const manager2 = structuredClone(find<LabManager>(objects, "lab"));
    manager2.metadata.name = "lab2";
    manager2.spec.address = "192.168.1.11";
    const net2 = structuredClone(find<LibvirtNetwork>(objects, "hypervisor-control-plane"));
    net2.metadata.name = "hcp2";
    net2.spec.managerRef.name = "lab2";
    assert.deepEqual(errors(withObject(withObject(objects, manager2), net2)), []);
  });

  it("reports a DHCP range whose start is after its end", () => {
    const objects = lab();
    const ipv4 = find<LibvirtNetwork>(objects, "hypervisor-control-plane").spec.ipv4;
    ipv4!.dhcp!.ranges = [{ start: "192.168.122.200", end: "192.168.122.100" }];
    assert.deepEqual(errors(objects), [
      "lab.yaml:2 LibvirtNetwork/hypervisor-control-plane spec.ipv4.dhcp.ranges[0]: start 192.168.122.200 is after end 192.168.122.100",
    ]);
  });

  it("reports a DHCP range outside the network's subnet", () => {
    const objects = lab();
    const ipv4 = find<LibvirtNetwork>(objects, "hypervisor-control-plane").spec.ipv4;
    ipv4!.dhcp!.ranges = [{ start: "192.168.122.2", end: "192.168.123.10" }];
    assert.deepEqual(errors(objects), [
      "lab.yaml:2 LibvirtNetwork/hypervisor-control-plane spec.ipv4.dhcp.ranges[0].end: 192.168.123.10 is outside the network's subnet 192.168.122.0/24",
    ]);
  });

  it("reports static hosts outside the subnet or declared twice", () => {
    const objects = lab();
    const ipv4 = find<LibvirtNetwork>(objects, "hypervisor-control-plane").spec.ipv4;
    ipv4!.dhcp!.hosts = [
      { mac: "52:54:00:00:00:01", ip: "192.168.122.10" },
      { mac: "52:54:00:00:00:02", ip: "192.168.122.10" },
      { mac: "52:54:00:00:00:01", ip: "10.1.1.1" },
    ];
    assert.deepEqual(errors(objects), [
      "lab.yaml:2 LibvirtNetwork/hypervisor-control-plane spec.ipv4.dhcp.hosts[1].ip: 192.168.122.10 is already assigned to hosts[0]",
      "lab.yaml:2 LibvirtNetwork/hypervisor-control-plane spec.ipv4.dhcp.hosts[2].ip: 10.1.1.1 is outside the network's subnet 192.168.122.0/24",
      "lab.yaml:2 LibvirtNetwork/hypervisor-control-plane spec.ipv4.dhcp.hosts[2].mac: 52:54:00:00:00:01 is already listed in hosts[0]",
    ]);
  });

  it("reports addresses on a bridge-mode network", () => {
    const objects = lab();
    find<LibvirtNetwork>(objects, "public").spec.ipv4 = { address: "10.0.2.1/24" };
    assert.deepEqual(errors(objects), [
      "lab.yaml:4 LibvirtNetwork/public spec.ipv4: must be omitted in bridge mode: libvirt manages no addresses on a host bridge",
    ]);
  });

  it("reports a bridge-mode network on a bridge the LabManager does not declare", () => {
    const objects = lab();
    find<LibvirtNetwork>(objects, "public").spec.bridge = "office";
    assert.deepEqual(errors(objects), [
      'lab.yaml:4 LibvirtNetwork/public spec.bridge: "office" is not a host bridge of LabManager "lab" (declared: public, openstack)',
    ]);
  });

  it("reports a NAT network on one of the LabManager's host bridges", () => {
    const objects = lab();
    find<LibvirtNetwork>(objects, "hypervisor-control-plane").spec.bridge = "openstack";
    assert.deepEqual(errors(objects), [
      'lab.yaml:3 LibvirtNetwork/openstack-control-plane spec.bridge: "openstack" is already used by LibvirtNetwork "hypervisor-control-plane" on LabManager "lab"',
      'lab.yaml:2 LibvirtNetwork/hypervisor-control-plane spec.bridge: "openstack" is a host bridge of LabManager "lab"; a nat network needs a bridge of its own',
    ]);
  });

  it("reports two networks of one Manager on the same bridge", () => {
    const objects = lab();
    find<LibvirtNetwork>(objects, "openstack-control-plane").spec.bridge = "public";
    assert.deepEqual(errors(objects), [
      'lab.yaml:4 LibvirtNetwork/public spec.bridge: "public" is already used by LibvirtNetwork "openstack-control-plane" on LabManager "lab"',
    ]);
  });

  it("reports two objects defining the same libvirt network name on one Manager", () => {
    const objects = lab();
    const net = find<LibvirtNetwork>(objects, "openstack-control-plane");
    net.spec.networkName = "public";
    net.spec.bridge = "openstack";
    assert.deepEqual(errors(objects), [
      'lab.yaml:4 LibvirtNetwork/public metadata.name: libvirt network "public" is already declared by LibvirtNetwork "openstack-control-plane" on LabManager "lab"',
    ]);
  });

  it("reports an undercloud without a second NIC for TripleO's local interface", () => {
    const objects = lab();
    find<TripleOUndercloud>(objects, "tripleo").spec.nics.pop();
    assert.deepEqual(errors(objects), [
      "lab.yaml:5 TripleOUndercloud/tripleo spec.nics: needs a second NIC for the undercloud's local_interface eth1 (the OpenStack control plane)",
    ]);
  });

  it("reports a BMC port used by two VMs of one Manager", () => {
    const objects = lab();
    const second = structuredClone(find<TripleOUndercloud>(objects, "tripleo"));
    second.metadata.name = "tripleo2";
    assert.deepEqual(errors(withObject(objects, second)), [
      'extra.yaml:1 TripleOUndercloud/tripleo2 spec.bmc.port: 6230 is already used by the BMC of TripleOUndercloud "tripleo" on LabManager "lab"',
    ]);
  });

  it("reports two VMs with one libvirt domain name on one Manager", () => {
    const objects = lab();
    const second = structuredClone(find<TripleOUndercloud>(objects, "tripleo"));
    second.metadata.name = "tripleo2";
    second.spec.domainName = "tripleo";
    second.spec.bmc = { ...second.spec.bmc!, port: 6231 };
    assert.deepEqual(errors(withObject(objects, second)), [
      'extra.yaml:1 TripleOUndercloud/tripleo2 spec.domainName: libvirt domain "tripleo" is already declared by TripleOUndercloud "tripleo" on LabManager "lab"',
    ]);
  });
});
