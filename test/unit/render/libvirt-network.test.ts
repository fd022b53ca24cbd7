import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { libvirtNetwork, type LibvirtNetwork } from "../../../src/api/index.js";
import { renderNetworkXml } from "../../../src/render/index.js";

function network(spec: Record<string, unknown>, metadata: Record<string, unknown> = {}): LibvirtNetwork {
  return libvirtNetwork.parse({
    apiVersion: "openstacklab.io/v1alpha1",
    kind: "LibvirtNetwork",
    metadata: { name: "hypervisor-control-plane", uid: "1234-abcd", ...metadata },
    spec: { managerRef: { name: "lab" }, ...spec },
  });
}

const OWNER =
  '<lab:owner xmlns:lab="https://openstacklab.io/ownership" kind="LibvirtNetwork" namespace="default" name="hypervisor-control-plane" uid="1234-abcd"/>';

describe("libvirt network XML", () => {
  it("renders a NAT network with DHCP ranges and static hosts", () => {
    const xml = renderNetworkXml(
      network({
        mode: "nat",
        bridge: "hypervisor",
        ipv4: {
          address: "192.168.122.1/24",
          dhcp: {
            ranges: [{ start: "192.168.122.2", end: "192.168.122.254" }],
            hosts: [{ mac: "52:54:00:aa:bb:cc", ip: "192.168.122.10", name: "tripleo" }],
          },
        },
      }),
    );
    assert.equal(
      xml,
      [
        "<network>",
        "  <name>hypervisor-control-plane</name>",
        "  <metadata>",
        `    ${OWNER}`,
        "  </metadata>",
        '  <forward mode="nat"/>',
        '  <bridge name="hypervisor" stp="on" delay="0"/>',
        '  <ip address="192.168.122.1" prefix="24">',
        "    <dhcp>",
        '      <range start="192.168.122.2" end="192.168.122.254"/>',
        '      <host mac="52:54:00:aa:bb:cc" name="tripleo" ip="192.168.122.10"/>',
        "    </dhcp>",
        "  </ip>",
        "</network>",
        "",
      ].join("\n"),
    );
  });

  it("renders a bridge-forward network onto a host bridge, without addresses", () => {
    const xml = renderNetworkXml(
      network({ mode: "bridge", bridge: "openstack" }, { name: "openstack-control-plane" }),
    );
    assert.match(xml, /<name>openstack-control-plane<\/name>/);
    assert.ok(xml.endsWith('\n  <forward mode="bridge"/>\n  <bridge name="openstack"/>\n</network>\n'), xml);
  });

  it("renders an isolated network without a forward element, with IPv6 and DNS hosts", () => {
    const xml = renderNetworkXml(
      network({
        mode: "isolated",
        bridge: "iso0",
        ipv4: { address: "10.10.0.1/16" },
        ipv6: { address: "fd00:10::1/64" },
        dnsHosts: [{ ip: "10.10.0.5", hostnames: ["a.lab", "b.lab"] }],
      }),
    );
    assert.doesNotMatch(xml, /<forward/);
    const dns = [
      "  <dns>",
      '    <host ip="10.10.0.5">',
      "      <hostname>a.lab</hostname>",
      "      <hostname>b.lab</hostname>",
      "    </host>",
      "  </dns>",
    ].join("\n");
    assert.ok(xml.includes(dns), xml);
    const ips =
      '  <ip address="10.10.0.1" prefix="16"/>\n  <ip family="ipv6" address="fd00:10::1" prefix="64"/>\n';
    assert.ok(xml.includes(ips), xml);
  });

  it("uses spec.networkName as the libvirt name and leaves out an unknown uid", () => {
    const xml = renderNetworkXml(
      network({ mode: "bridge", bridge: "public", networkName: "public" }, { uid: undefined }),
    );
    assert.match(xml, /<name>public<\/name>/);
    assert.match(xml, /name="hypervisor-control-plane"\/>/);
    assert.doesNotMatch(xml, /uid=/);
  });

  it("escapes user strings that reach the XML", () => {
    const net = network({ mode: "nat", bridge: "hypervisor" });
    // Values the schemas would refuse, to prove the renderer escapes on its own.
    const hostile = {
      ...net,
      metadata: { ...net.metadata, uid: `"/><evil a='1'>&` },
      spec: { ...net.spec, networkName: "a<b>&c" },
    };
    const xml = renderNetworkXml(hostile);
    assert.match(xml, /<name>a&lt;b&gt;&amp;c<\/name>/);
    assert.match(xml, /uid="&quot;\/&gt;&lt;evil a=&apos;1&apos;&gt;&amp;"/);
    assert.doesNotMatch(xml, /<evil/);
  });
});
