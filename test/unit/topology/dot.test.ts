import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { dotString, toDot } from "../../../src/topology/dot.js";
import { buildTopology } from "../../../src/topology/model.js";
import { labObjects, stateWithReady } from "./fixtures.js";

describe("labctl graph DOT", () => {
  it("one node statement per node and one edge statement per edge, coloured by Ready", () => {
    const t = buildTopology({
      objects: labObjects(),
      states: [stateWithReady("LabManager", "lab", "True", "Converged")],
    });
    const dot = toDot(t);
    assert.match(dot, /^digraph lab \{\n/);
    assert.match(dot, /\}\n$/);
    assert.equal(dot.match(/ \[label=/g)?.length, t.nodes.length);
    assert.equal(dot.match(/ -> /g)?.length, t.edges.length);
    assert.match(
      dot,
      /"LabManager\/default\/lab" \[label="LabManager\\nlab\\n192\.168\.1\.10\\nReady=True \(Converged\)", shape=box3d, color="#2e7d32"\];/,
    );
    assert.match(dot, /"TripleOUndercloud\/default\/undercloud" \[.*color="#9e9e9e"\]/);
    assert.match(dot, /"Bridge\/default\/lab\/openstack" -> "LibvirtNetwork\/default\/openstack-cp";/);
  });

  it("quotes and escapes every string, so a reason cannot break out of its label", () => {
    assert.equal(dotString('a "b" \\ c'), '"a \\"b\\" \\\\ c"');
    assert.equal(dotString("two\nlines\r\n"), '"two\\nlines\\n"');
    assert.equal(dotString("tab\there\u0007"), '"tab here "');
    const t = buildTopology({
      objects: labObjects(),
      states: [stateWithReady("LabManager", "lab", "False", 'Bad"]; x -> y; //', "m")],
    });
    const line = toDot(t)
      .split("\n")
      .find((l) => l.startsWith('  "LabManager/'))!;
    assert.match(line, /Ready=False \(Bad\\"\]; x -> y; \/\/\)", shape=box3d/);
  });
});
