/**
 * The example lab with one field broken per case, and the lines `labctl validate` prints for
 * it: inputs the schemas and cross-object checks once let through. Shared by the file-mode
 * test (missing-checks.test.ts) and the Kubernetes source's (test/unit/sources/).
 */
import type { LabManager, LibvirtNetwork, TripleOUndercloud } from "../../../src/api/index.js";
import { docOf, type Doc } from "./example-lab.js";

export type Lab = Record<string, Doc[]>;

export const manager = (lab: Lab) => docOf(lab, "LabManager", "lab").spec as unknown as LabManager["spec"];
export const hcp = (lab: Lab) =>
  docOf(lab, "LibvirtNetwork", "hypervisor-control-plane").spec as unknown as Required<
    LibvirtNetwork["spec"]
  >;
export const tripleo = (lab: Lab) =>
  docOf(lab, "TripleOUndercloud", "tripleo").spec as unknown as TripleOUndercloud["spec"];

const LAB = "01-labmanager.yaml:1 LabManager/lab";
const HCP = "02-networks.yaml:1 LibvirtNetwork/hypervisor-control-plane";
const UC = "03-tripleo.yaml:1 TripleOUndercloud/tripleo";

export interface Case {
  name: string;
  mutate(lab: Lab): void;
  expect: string[];
  /**
   * A schema error: the object is left out, so the objects that reference it get "not found"
   * errors too (as before); only the lines about the broken object are compared.
   */
  schema?: true;
}

/** `FILE:DOC Kind/name` of an error line. */
export const objectOf = (line: string) => line.split(" ").slice(0, 2).join(" ");

const IPV6 = "must be an IPv6 address: eight groups of 1-4 hex digits, or fewer with one '::'";
const NO_FILE =
  "must end in the image's file name (not '/', '.' or '..'): the base image is cached under that name";
const HIDDEN_DOTS = "must not hide '..' in percent escapes (%2e%2e): no path traversal";

export const CASES: Case[] = [
  {
    name: "a NAT network's subnet overlapping a host bridge's address",
    mutate: (lab) => (manager(lab).bridges[0]!.addresses = ["192.168.122.100/24"]),
    expect: [
      `${HCP} spec.ipv4.address: subnet 192.168.122.0/24 overlaps 192.168.122.100/24 of host bridge "public" of LabManager "lab": the host would route it two ways`,
    ],
  },
  {
    name: "one host bridge declared twice",
    mutate: (lab) => (manager(lab).bridges[1]!.name = "public"),
    expect: [
      `${LAB} spec.bridges[1].name: bridge "public" is declared twice (first at spec.bridges[0])`,
      // The network on the renamed bridge loses it: reported as before.
      `02-networks.yaml:2 LibvirtNetwork/openstack-control-plane spec.bridge: "openstack" is not a host bridge of LabManager "lab" (declared: public, public)`,
    ],
  },
  {
    name: "one NIC in two host bridges",
    mutate: (lab) => (manager(lab).bridges[1]!.interfaces = ["enp2s0"]),
    expect: [
      `${LAB} spec.bridges[1].interfaces[0]: NIC "enp2s0" is already in bridge "public" (spec.bridges[0].interfaces[0]): a NIC can join one bridge only`,
    ],
  },
  {
    name: "one NIC listed twice in one bridge",
    mutate: (lab) => (manager(lab).bridges[0]!.interfaces = ["enp2s0", "enp2s0"]),
    expect: [
      `${LAB} spec.bridges[0].interfaces[1]: NIC "enp2s0" is listed twice in bridge "public" (first at spec.bridges[0].interfaces[0])`,
    ],
  },
  {
    name: "a DHCP range that includes the gateway address",
    mutate: (lab) => (hcp(lab).ipv4!.dhcp!.ranges[0]!.start = "192.168.122.1"),
    expect: [
      `${HCP} spec.ipv4.dhcp.ranges[0]: 192.168.122.1-192.168.122.254 includes the gateway address 192.168.122.1, which DHCP must not lease`,
    ],
  },
  {
    name: "a DHCP range that includes the network address",
    mutate: (lab) => (hcp(lab).ipv4!.dhcp!.ranges[0]!.start = "192.168.122.0"),
    expect: [
      `${HCP} spec.ipv4.dhcp.ranges[0]: 192.168.122.0-192.168.122.254 includes the gateway address 192.168.122.1, which DHCP must not lease`,
      `${HCP} spec.ipv4.dhcp.ranges[0]: 192.168.122.0-192.168.122.254 includes the network address 192.168.122.0, which DHCP must not lease`,
    ],
  },
  {
    name: "a DHCP range that includes the broadcast address",
    mutate: (lab) => (hcp(lab).ipv4!.dhcp!.ranges[0]!.end = "192.168.122.255"),
    expect: [
      `${HCP} spec.ipv4.dhcp.ranges[0]: 192.168.122.2-192.168.122.255 includes the broadcast address 192.168.122.255, which DHCP must not lease`,
    ],
  },
  {
    name: "two overlapping DHCP ranges",
    mutate: (lab) =>
      (hcp(lab).ipv4!.dhcp!.ranges = [
        { start: "192.168.122.2", end: "192.168.122.100" },
        { start: "192.168.122.100", end: "192.168.122.200" },
      ]),
    expect: [
      `${HCP} spec.ipv4.dhcp.ranges[1]: 192.168.122.100-192.168.122.200 overlaps ranges[0] 192.168.122.2-192.168.122.100`,
    ],
  },
  {
    name: "a DHCP host on the gateway address",
    mutate: (lab) => (hcp(lab).ipv4!.dhcp!.hosts = [{ mac: "52:54:00:00:00:10", ip: "192.168.122.1" }]),
    expect: [
      `${HCP} spec.ipv4.dhcp.hosts[0].ip: 192.168.122.1 is the gateway address 192.168.122.1, which DHCP must not lease`,
    ],
  },
  {
    name: "two LabManagers on the same address and port (both refused, each naming the other)",
    mutate: (lab) => {
      const copy = structuredClone(docOf(lab, "LabManager", "lab"));
      copy.metadata.name = "lab2";
      copy.spec.bridges = [];
      lab["05-lab2.yaml"] = [copy];
    },
    expect: [
      `${LAB} spec.address: 192.168.1.10 port 22 is also the host of LabManager "lab2": one host, one LabManager`,
      `05-lab2.yaml:1 LabManager/lab2 spec.address: 192.168.1.10 port 22 is also the host of LabManager "lab": one host, one LabManager`,
    ],
  },
  {
    name: "two LabManagers on one IPv6 host, spelled two ways, in two namespaces",
    mutate: (lab) => {
      manager(lab).address = "fd00::a";
      const copy = structuredClone(docOf(lab, "LabManager", "lab"));
      copy.metadata.namespace = "other";
      copy.spec.address = "FD00:0:0:0:0:0:0:A";
      lab["05-lab2.yaml"] = [copy];
    },
    expect: [
      `${LAB} spec.address: fd00::a port 22 is also the host of LabManager "lab" in namespace "other": one host, one LabManager`,
      `05-lab2.yaml:1 LabManager/lab spec.address: FD00:0:0:0:0:0:0:A port 22 is also the host of LabManager "lab" in namespace "default": one host, one LabManager`,
    ],
  },
  {
    name: "an invalid IPv6 Manager address",
    mutate: (lab) => (manager(lab).address = ":::::::"),
    expect: [`${LAB} spec.address: ${IPV6}`],
    schema: true,
  },
  {
    name: "an invalid IPv6 network address",
    mutate: (lab) => (hcp(lab).ipv6 = { address: ":::::::/64" }),
    expect: [`${HCP} spec.ipv6.address: ${IPV6}`],
    schema: true,
  },
  {
    name: "an IPv6 network address with two '::'",
    mutate: (lab) => (hcp(lab).ipv6 = { address: "fd00::1::2/64" }),
    expect: [`${HCP} spec.ipv6.address: ${IPV6}`],
    schema: true,
  },
  {
    name: "qemuBridgeAllow: [all]",
    mutate: (lab) => (manager(lab).qemuBridgeAllow = ["public", "all"]),
    expect: [
      `${LAB} spec.qemuBridgeAllow[1]: must name a bridge: 'all' would let any VM of any user attach to every bridge of the host`,
    ],
    schema: true,
  },
  {
    name: "a VM domain name ssh.config and the workspace refuse (leading '_')",
    mutate: (lab) => (tripleo(lab).domainName = "_tripleo"),
    expect: [
      `${UC} spec.domainName: ssh.config alias "_tripleo" (tripleo on VM _tripleo) must start with a letter or digit and hold only letters, digits and ._-: ssh.config and the workspace's key files refuse it`,
    ],
  },
  ...[
    "https://cloud.centos.org/centos/7/images/%2e%2e/%2e%2e/etc/shadow.qcow2",
    "https://cloud.centos.org/centos/7/images/%2E./CentOS.qcow2",
    "file:///var/lib/libvirt/images/%2e%2E/shadow",
  ].map((url): Case => ({
    name: `an image URL hiding '..' in percent escapes: ${url}`,
    mutate: (lab) => (tripleo(lab).baseImage.url = url),
    expect: [`${UC} spec.baseImage.url: ${HIDDEN_DOTS}`],
    schema: true,
  })),
  {
    name: "an image URL with a malformed percent escape",
    mutate: (lab) => (tripleo(lab).baseImage.url = "https://cloud.centos.org/centos/7/images/%zz.qcow2"),
    expect: [
      `${UC} spec.baseImage.url: has a malformed percent escape at "%zz" (a '%' must start %XX, two hex digits)`,
    ],
    schema: true,
  },
  {
    name: "a file:// image URL whose escapes are not UTF-8",
    mutate: (lab) => (tripleo(lab).baseImage.url = "file:///var/lib/libvirt/images/%ff.qcow2"),
    expect: [`${UC} spec.baseImage.url: has percent escapes that do not decode to UTF-8 text`],
    schema: true,
  },
  ...[
    "https://cloud.centos.org/centos/7/images/",
    "https://cloud.centos.org",
    "https://cloud.centos.org/centos/7/images/.",
    "https://cloud.centos.org/centos/7/images/%2e",
    "/var/lib/libvirt/images/",
  ].map((url): Case => ({
    name: `an image URL without a file name: ${url}`,
    mutate: (lab) => (tripleo(lab).baseImage.url = url),
    expect: [`${UC} spec.baseImage.url: ${NO_FILE}`],
    schema: true,
  })),
];
