// The example lab with one field broken per case, through `labctl validate`'s path (load,
// schemas, cross-object checks): each case is an input today's schemas and checks refused
// nothing of, and each error is one line naming file, document, object, field and reason.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CASES, hcp, manager, objectOf, tripleo } from "./broken-lab-cases.js";
import { docOf, exampleLab, validateLab } from "./example-lab.js";

describe("checks validate was missing, on the example lab with one field broken", () => {
  it("the example lab itself is valid", async () => {
    assert.deepEqual(await validateLab(exampleLab()), []);
  });

  for (const c of CASES) {
    it(`refuses ${c.name}`, async () => {
      const lab = exampleLab();
      c.mutate(lab);
      const lines = await validateLab(lab);
      const broken = new Set(c.expect.map(objectOf));
      assert.deepEqual(c.schema ? lines.filter((l) => broken.has(objectOf(l))) : lines, c.expect);
    });
  }

  it("accepts what is close to each refused input", async () => {
    const lab = exampleLab();
    manager(lab).address = "fd00::a"; // a valid IPv6 address
    manager(lab).bridges[0]!.addresses = ["10.0.3.1/24"]; // apart from every network
    hcp(lab).ipv4!.dhcp!.ranges = [
      { start: "192.168.122.2", end: "192.168.122.99" },
      { start: "192.168.122.100", end: "192.168.122.254" }, // adjacent, not overlapping
    ];
    hcp(lab).ipv4!.dhcp!.hosts = [{ mac: "52:54:00:00:00:10", ip: "192.168.122.10" }];
    hcp(lab).ipv6 = { address: "fd00:1::1/64" };
    manager(lab).qemuBridgeAllow = ["public", "openstack"];
    tripleo(lab).domainName = "tripleo_1";
    tripleo(lab).baseImage.url = "https://cloud.centos.org/centos/7/images/CentOS%207.qcow2?x=%2F";
    const other = structuredClone(docOf(lab, "LabManager", "lab"));
    other.metadata.name = "lab2";
    other.spec.bridges = [];
    other.spec.ssh = { ...(other.spec.ssh as object), port: 2222 }; // same host, another port
    lab["05-lab2.yaml"] = [other];
    assert.deepEqual(await validateLab(lab), []);
  });
});
