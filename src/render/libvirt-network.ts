import type { LibvirtNetwork } from "../api/index.js";
import { subnetOf } from "../manifests/ipv4.js";
import { escapeXml, fill, loadTemplate } from "./template.js";
import { attributes, element } from "./xml.js";

type Spec = LibvirtNetwork["spec"];

/** The libvirt network name of an object: spec.networkName, else metadata.name. */
export function libvirtNetworkName(net: LibvirtNetwork): string {
  return net.spec.networkName ?? net.metadata.name;
}

/**
 * The `virsh net-define` XML of a LibvirtNetwork. The ownership stamp in <metadata> lets the
 * controller tell our networks from networks it must not touch.
 */
export function renderNetworkXml(net: LibvirtNetwork): string {
  const { spec, metadata } = net;
  const indent = (fragment: string) => fragment.replace(/\n/g, "\n  ");
  return fill(
    loadTemplate("libvirt/network.xml"),
    {
      name: libvirtNetworkName(net),
      kind: net.kind,
      namespace: metadata.namespace,
      objectName: metadata.name,
      uidAttribute: attributes({ uid: metadata.uid }),
      forward: spec.mode === "isolated" ? "" : element("forward", { mode: spec.mode }),
      bridge: spec.bridge,
      // libvirt creates nat/isolated bridges itself; STP on, no forward delay.
      bridgeAttributes: spec.mode === "bridge" ? "" : attributes({ stp: "on", delay: 0 }),
      dns: indent(renderDns(spec)),
      ipv4: indent(renderIpv4(spec)),
      ipv6: indent(renderIpv6(spec)),
    },
    escapeXml,
  );
}

function renderDns(spec: Spec): string {
  if (spec.dnsHosts.length === 0 || spec.mode === "bridge") return "";
  const hosts = spec.dnsHosts.map((h) =>
    element(
      "host",
      { ip: h.ip },
      h.hostnames.map((name) => element("hostname", {}, [], name)),
    ),
  );
  return element("dns", {}, hosts);
}

function renderIpv4(spec: Spec): string {
  if (!spec.ipv4 || spec.mode === "bridge") return "";
  const [address] = spec.ipv4.address.split("/");
  const { prefix } = subnetOf(spec.ipv4.address);
  const dhcp = spec.ipv4.dhcp;
  const children: string[] = [];
  if (dhcp && (dhcp.ranges.length > 0 || dhcp.hosts.length > 0)) {
    children.push(
      element("dhcp", {}, [
        ...dhcp.ranges.map((r) => element("range", { start: r.start, end: r.end })),
        ...dhcp.hosts.map((h) => element("host", { mac: h.mac, name: h.name, ip: h.ip })),
      ]),
    );
  }
  return element("ip", { address, prefix }, children);
}

function renderIpv6(spec: Spec): string {
  if (!spec.ipv6 || spec.mode === "bridge") return "";
  const [address, prefix] = spec.ipv6.address.split("/");
  return element("ip", { family: "ipv6", address, prefix });
}
