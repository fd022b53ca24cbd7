import { test } from "node:test";
import assert from "node:assert/strict";
import type { ObjectKey } from "../../../src/api/index.js";
import { describeTeardown } from "../../../src/cli/commands/delete.js";

const key = (kind: ObjectKey["kind"], name: string, namespace = "default"): ObjectKey => ({
  kind,
  namespace,
  name,
});
const net = key("LibvirtNetwork", "hypervisor-control-plane");

test("a dry run prints each object's cleanup steps, and what it leaves alone", () => {
  assert.equal(
    describeTeardown(
      {
        type: "planned",
        key: net,
        steps: [
          "stop libvirt network hypervisor-control-plane",
          "undefine libvirt network hypervisor-control-plane",
        ],
        warnings: [],
      },
      true,
    ),
    [
      "LibvirtNetwork/hypervisor-control-plane: would remove",
      "  - stop libvirt network hypervisor-control-plane",
      "  - undefine libvirt network hypervisor-control-plane",
    ].join("\n"),
  );
  assert.equal(
    describeTeardown(
      {
        type: "planned",
        key: net,
        steps: [],
        warnings: ["libvirt network hypervisor-control-plane was not created by lab-operator: left in place"],
      },
      true,
    ),
    "LibvirtNetwork/hypervisor-control-plane: nothing of ours to remove\n" +
      "  ! libvirt network hypervisor-control-plane was not created by lab-operator: left in place",
  );
  assert.equal(
    describeTeardown({ type: "begin", key: net }, true),
    undefined,
    "a dry run says nothing is removing",
  );
});

test("a real run prints each step as it starts, and the outcome per object", () => {
  const lab = key("LabManager", "lab");
  assert.equal(describeTeardown({ type: "begin", key: lab }, false), "LabManager/lab: removing");
  assert.equal(
    describeTeardown(
      {
        type: "step",
        key: lab,
        event: { step: "bridge/public/remove", description: "remove bridge public", result: "started" },
      },
      false,
    ),
    "  - remove bridge public",
  );
  assert.equal(
    describeTeardown(
      {
        type: "step",
        key: lab,
        event: { step: "bridge/public/remove", description: "remove bridge public", result: "done" },
      },
      false,
    ),
    undefined,
  );
  assert.equal(
    describeTeardown({ type: "removed", key: lab, steps: ["x"], warnings: [] }, false),
    "LabManager/lab: removed",
  );
  assert.equal(
    describeTeardown({ type: "orphaned", key: lab }, false),
    "LabManager/lab: left in place (deletionPolicy: Orphan); forgotten",
  );
  assert.match(
    describeTeardown(
      { type: "failed", key: key("TripleOUndercloud", "tripleo", "lab"), message: "ssh dropped" },
      false,
    )!,
    /^TripleOUndercloud\/lab\/tripleo: cleanup failed: ssh dropped; what it stands on is left in place$/,
  );
});
