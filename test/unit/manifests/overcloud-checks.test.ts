import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import type { LibvirtNetwork, OvercloudNodeSet, TripleOUndercloud } from "../../../src/api/index.js";
import {
  crossValidate,
  formatError,
  loadManifests,
  parseManifests,
  type LoadedObject,
} from "../../../src/manifests/index.js";

const manifestsDir = fileURLToPath(new URL("../../../manifests/", import.meta.url));
let objects: LoadedObject[] = [];
let previews: LoadedObject[] = [];

before(async () => {
  const loaded = await loadManifests([manifestsDir]);
  assert.deepEqual(loaded.errors, []);
  const isSet = (o: LoadedObject) => o.object.kind === "OvercloudNodeSet";
  objects = loaded.objects
    .filter((o) => !isSet(o))
    .map((o) => ({ ...o, source: { file: "lab.yaml", doc: 1 } }));
  previews = loaded.objects.filter(isSet).map((o) => ({ ...o, source: { file: "overcloud.yaml", doc: 1 } }));
});

/** The example lab, deep-copied, with its node set for `change` to edit. */
function check(change: (set: OvercloudNodeSet, lab: LoadedObject[]) => LoadedObject[] | void): string[] {
  const lab = structuredClone(objects);
  const sets = structuredClone(previews);
  const set = sets[0]!.object as OvercloudNodeSet;
  const extra = change(set, lab) ?? [];
  return crossValidate([...lab, ...sets, ...extra]).map(formatError);
}

function find<T>(lab: LoadedObject[], name: string): T {
  const found = lab.find((o) => o.object.metadata.name === name);
  assert.ok(found, name);
  return found.object as T;
}

describe("OvercloudNodeSet validation", () => {
  it("loads the example node set as a reconciled kind and accepts it with the example lab", () => {
    assert.equal(previews.length, 1);
    assert.equal(previews[0]?.object.kind, "OvercloudNodeSet");
    assert.deepEqual(
      check(() => undefined),
      [],
    );
  });

  it("refuses a port range too small for the count, in one line", () => {
    const errors = check((set) => {
      set.spec.bmc.portRange = { start: 6231, end: 6232 };
    });
    assert.deepEqual(errors, [
      "overcloud.yaml:1 OvercloudNodeSet/overcloud spec.bmc.portRange: 6231-6232 has 2 ports for 3 nodes (controller 2, compute 1)",
    ]);
  });

  it("refuses a role whose first NIC is on a network with libvirt DHCP (no PXE network)", () => {
    const errors = check((set) => {
      set.spec.roles[1]!.nics = [{ networkRef: { name: "hypervisor-control-plane" }, model: "virtio" }];
    });
    assert.deepEqual(errors, [
      `overcloud.yaml:1 OvercloudNodeSet/overcloud spec.roles[1].nics[0].networkRef.name: role "compute" has no PXE network: LibvirtNetwork "hypervisor-control-plane" (its first NIC) runs libvirt's DHCP, which would answer the nodes' PXE requests instead of the undercloud`,
    ]);
  });

  it("refuses a PXE network the undercloud is not on", () => {
    const errors = check((set) => {
      set.spec.roles[0]!.nics[0]!.networkRef.name = "public";
    });
    assert.deepEqual(errors, [
      'overcloud.yaml:1 OvercloudNodeSet/overcloud spec.roles[0].nics[0].networkRef.name: role "controller" has no PXE network: LibvirtNetwork "public" (its first NIC) is not a network of TripleOUndercloud "tripleo" (hypervisor-control-plane, openstack-control-plane)',
    ]);
  });

  it("refuses a role without NICs at the schema, naming the PXE network", () => {
    const text = `apiVersion: openstacklab.io/v1alpha1
kind: OvercloudNodeSet
metadata: { name: overcloud }
spec:
  managerRef: { name: lab }
  roles: [{ name: compute, count: 1, nics: [] }]
`;
    assert.deepEqual(parseManifests(text, "oc.yaml").errors.map(formatError), [
      "oc.yaml:1 OvercloudNodeSet/overcloud spec.roles[0].nics: needs at least one NIC: the first is the PXE (provisioning) network",
    ]);
  });

  it("refuses a range holding the undercloud's BMC port", () => {
    const errors = check((set) => {
      set.spec.bmc.portRange = { start: 6225, end: 6235 };
    });
    assert.deepEqual(errors, [
      'overcloud.yaml:1 OvercloudNodeSet/overcloud spec.bmc.portRange: 6225-6235 contains 6230, the BMC port of TripleOUndercloud "tripleo" on LabManager "lab"',
    ]);
  });

  it("refuses a range overlapping another set's BMC ports, but not across BMC types", () => {
    const second = (set: OvercloudNodeSet, type: "ipmi" | "redfish"): LoadedObject[] => {
      const other = structuredClone(set);
      other.metadata.name = "edge";
      other.spec.bmc = { ...other.spec.bmc, type, portRange: { start: 6238, end: 6250 } };
      return [{ object: other, source: { file: "edge.yaml", doc: 1 } }];
    };
    assert.deepEqual(
      check((set) => second(set, "ipmi")),
      [
        'edge.yaml:1 OvercloudNodeSet/edge spec.bmc.portRange: 6238-6250 overlaps 6231-6240, the BMC ports of OvercloudNodeSet "overcloud" on LabManager "lab"',
      ],
    );
    assert.deepEqual(
      check((set) => second(set, "redfish")),
      [],
    );
  });

  it("refuses a node name that is another object's domain", () => {
    const errors = check((_set, lab) => {
      find<TripleOUndercloud>(lab, "tripleo").spec.domainName = "overcloud-compute-0";
    });
    assert.deepEqual(errors, [
      'overcloud.yaml:1 OvercloudNodeSet/overcloud metadata.name: node "overcloud-compute-0" would take the libvirt domain name of TripleOUndercloud "tripleo" on LabManager "lab"',
    ]);
  });

  it("refuses NICs on unknown networks and references to unknown objects", () => {
    const errors = check((set, lab) => {
      set.spec.roles[0]!.nics[1]!.networkRef.name = "storage";
      set.spec.undercloudRef = { name: "director" };
      find<LibvirtNetwork>(lab, "public").spec.managerRef.name = "elsewhere";
      set.spec.roles[1]!.nics[1]!.networkRef.name = "public";
    });
    assert.deepEqual(errors, [
      'lab.yaml:1 LibvirtNetwork/public spec.managerRef.name: LabManager "elsewhere" not found in namespace "default"',
      'overcloud.yaml:1 OvercloudNodeSet/overcloud spec.roles[0].nics[1].networkRef.name: LibvirtNetwork "storage" not found in namespace "default"',
      'overcloud.yaml:1 OvercloudNodeSet/overcloud spec.roles[1].nics[1].networkRef.name: LibvirtNetwork "public" is on LabManager "elsewhere", not "lab"',
      'overcloud.yaml:1 OvercloudNodeSet/overcloud spec.undercloudRef.name: TripleOUndercloud "director" not found in namespace "default"',
    ]);
  });

  it("refuses a role declared twice and import without an undercloud", () => {
    const errors = check((set) => {
      set.spec.roles[1]!.name = "controller";
      delete set.spec.undercloudRef;
    });
    assert.deepEqual(errors, [
      'overcloud.yaml:1 OvercloudNodeSet/overcloud spec.roles[1].name: role "controller" is declared twice',
      "overcloud.yaml:1 OvercloudNodeSet/overcloud spec.import: needs spec.undercloudRef: the undercloud that imports the nodes",
    ]);
  });
});
