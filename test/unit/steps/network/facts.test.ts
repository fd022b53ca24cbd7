import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  attachedDomains,
  masqueradedSubnets,
  parseNetworkConfig,
  parseOwnerStamp,
} from "../../../../src/steps/network/facts.js";
import { parseXml } from "../../../../src/steps/network/xml.js";
import { fixture } from "./support.js";

describe("network facts from libvirt XML", () => {
  it("reads the managed fields of a libvirt-printed definition", () => {
    const config = parseNetworkConfig(parseXml(fixture("full")));
    assert.deepEqual(config, {
      forwardMode: "nat",
      bridge: "labfull",
      ipv4: {
        address: "192.168.150.1/24",
        dhcp: true,
        ranges: [{ start: "192.168.150.10", end: "192.168.150.99" }],
        hosts: [{ mac: "52:54:00:aa:00:01", ip: "192.168.150.5", name: "tripleo" }],
      },
      dnsHosts: [{ ip: "192.168.150.5", hostnames: ["tripleo", "tripleo.lab"] }],
    });
  });

  it("reads netmask-style addresses, isolated networks and an empty <dhcp/>", () => {
    const xml = `<network><name>n</name><bridge name='b0'/><ip address='10.1.0.1' netmask='255.255.252.0'><dhcp/></ip><ip family='ipv6' address='fd00::1' prefix='64'/></network>`;
    const c = parseNetworkConfig(parseXml(xml));
    assert.equal(c.forwardMode, "isolated");
    assert.equal(c.ipv4?.address, "10.1.0.1/22");
    assert.equal(c.ipv4?.dhcp, false);
    assert.deepEqual(c.ipv6, { address: "fd00::1/64" });
  });

  it("finds our stamp by namespace URI whatever the prefix, and nothing else", () => {
    const doc = (meta: string) => parseXml(`<network><name>n</name><metadata>${meta}</metadata></network>`);
    const stamp = doc(
      `<x:owner xmlns:x="https://openstacklab.io/ownership" kind="LibvirtNetwork" namespace="ns" name="a &amp; b" uid="u"/>`,
    );
    assert.deepEqual(parseOwnerStamp(stamp), {
      kind: "LibvirtNetwork",
      namespace: "ns",
      name: "a & b",
      uid: "u",
    });
    assert.equal(
      parseOwnerStamp(
        doc(
          `<lab:owner xmlns:lab="https://example.com/other" kind="LibvirtNetwork" namespace="ns" name="n"/>`,
        ),
      ),
      undefined,
    );
    assert.equal(
      parseOwnerStamp(parseXml(fixture("full").replace(/<metadata>[\s\S]*<\/metadata>/, ""))),
      undefined,
    );
  });

  it("lists domains attached to the network or to its bridge", () => {
    const lines = [
      "a\tnetwork\tnet1",
      "b\tbridge\tbr1",
      "c\tnetwork\tnet2",
      "a\tbridge\tbr1",
      "d\tdirect\tnet1",
    ];
    assert.deepEqual(attachedDomains(lines, "net1", "br1"), ["a", "b"]);
    assert.deepEqual(attachedDomains(lines, "net2", ""), ["c"]);
  });

  it("recognizes only this network's hook rules", () => {
    const rules = [
      '-A POSTROUTING -s 10.0.2.0/24 ! -d 10.0.2.0/24 -m comment --comment "lab-operator:public" -j MASQUERADE',
      "-A POSTROUTING -s 10.0.3.0/24 ! -d 10.0.3.0/24 -m comment --comment lab-operator:other -j MASQUERADE",
      "-A POSTROUTING -s 192.168.122.0/24 ! -d 192.168.122.0/24 -p tcp -j MASQUERADE --to-ports 1024-65535",
    ];
    assert.deepEqual(masqueradedSubnets(rules, "public"), ["10.0.2.0/24"]);
    assert.deepEqual(masqueradedSubnets(rules, "other"), ["10.0.3.0/24"]);
  });
});

describe("the small XML reader", () => {
  it("decodes entities, both quote styles, comments and CDATA", () => {
    const doc = parseXml(
      `<?xml version="1.0"?><!-- c --><a x='1 &lt; 2' y="&#65;&#x42;"><b>t &amp; u</b><c><![CDATA[<raw>]]></c></a>`,
    );
    assert.deepEqual(doc.attrs, { x: "1 < 2", y: "AB" });
    assert.equal(doc.children[0]!.text, "t & u");
    assert.equal(doc.children[1]!.text, "<raw>");
  });

  it("refuses unbalanced documents", () => {
    assert.throws(() => parseXml("<a><b></a>"), /unbalanced/);
    assert.throws(() => parseXml("<a><b>"), /not closed/);
    assert.throws(() => parseXml("  "), /empty/);
  });
});
