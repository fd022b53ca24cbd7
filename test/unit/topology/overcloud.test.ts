// An OvercloudNodeSet in the views: `labctl graph` / the status page draw it after its networks
// with its nodes and power states, `labctl describe` lists status.nodes, `labctl get ocn` parses.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { overcloudNodeSet, type LabObject } from "../../../src/api/index.js";
import { describeState } from "../../../src/cli/commands/describe.js";
import { parseKind } from "../../../src/cli/commands/get.js";
import { emptyState } from "../../../src/controllers/state.js";
import { toDot } from "../../../src/topology/dot.js";
import { buildTopology } from "../../../src/topology/model.js";
import { labObjects } from "./fixtures.js";

const set = overcloudNodeSet.parse({
  apiVersion: "openstacklab.io/v1alpha1",
  kind: "OvercloudNodeSet",
  metadata: { name: "overcloud", namespace: "default" },
  spec: {
    managerRef: { name: "lab" },
    roles: [
      {
        name: "controller",
        count: 2,
        nics: [
          { networkRef: { name: "openstack-cp" } },
          { networkRef: { name: "hypervisor-control-plane" } },
        ],
      },
    ],
  },
});

function savedState() {
  const state = emptyState("OvercloudNodeSet", "default", "overcloud");
  state.status.nodes = [
    {
      name: "overcloud-controller-0",
      role: "controller",
      macs: ["52:54:00:aa:00:01"],
      bmcPort: 6231,
      powerState: "shut off",
    },
    {
      name: "overcloud-controller-1",
      role: "controller",
      macs: ["52:54:00:aa:00:02"],
      bmcPort: 6232,
      powerState: "running",
    },
  ];
  return state;
}

describe("OvercloudNodeSet in the views", () => {
  it("is drawn after its networks, an edge from each, with the nodes' power states from status", () => {
    const objects: LabObject[] = [set, ...labObjects()];
    const bare = buildTopology({ objects, states: [] });
    const node = bare.nodes.find((n) => n.kind === "OvercloudNodeSet")!;
    assert.equal(bare.nodes.at(-1), node, "last: after the networks and the undercloud");
    assert.equal(node.detail, "nodes (ipmi): 2 controller");
    const into = bare.edges.filter((e) => e.to === node.id).map((e) => e.from);
    assert.deepEqual(into, [
      "LibvirtNetwork/default/hypervisor-control-plane",
      "LibvirtNetwork/default/openstack-cp",
    ]);
    const seen = buildTopology({ objects, states: [savedState()] });
    assert.equal(
      seen.nodes.find((n) => n.kind === "OvercloudNodeSet")!.detail,
      "2 nodes (ipmi): overcloud-controller-0 shut off, overcloud-controller-1 running",
    );
    assert.match(toDot(seen), /"OvercloudNodeSet\/default\/overcloud" \[label=.*, shape=box,/);
  });

  it("labctl describe lists status.nodes as a table, and get takes ocn", () => {
    const text = describeState(savedState());
    assert.match(text, /^Nodes:\n {2}NAME +ROLE +POWER +BMC PORT +MACS$/m);
    assert.match(text, /^ {2}overcloud-controller-1 +controller +running +6232 +52:54:00:aa:00:02$/m);
    assert.doesNotMatch(text, /^nodes:/m, "not also as JSON");
    assert.equal(parseKind("ocn"), "OvercloudNodeSet");
    assert.equal(parseKind("overcloudnodesets"), "OvercloudNodeSet");
  });
});
