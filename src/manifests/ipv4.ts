/** IPv4 arithmetic on unsigned 32-bit numbers, for cross-object checks and renderers. */

export interface Subnet {
  /** The network address (host bits cleared). */
  network: number;
  prefix: number;
}

export function parseIpv4(address: string): number {
  const parts = address.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new Error(`not an IPv4 address: ${address}`);
  }
  return parts.reduce((acc, p) => acc * 256 + p, 0);
}

export function formatIpv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");
}

function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** The subnet of an interface address like 192.168.122.1/24. */
export function subnetOf(cidr: string): Subnet {
  const [address, prefixText] = cidr.split("/");
  const prefix = Number(prefixText);
  return { network: (parseIpv4(address ?? "") & maskOf(prefix)) >>> 0, prefix };
}

export function formatSubnet(s: Subnet): string {
  return `${formatIpv4(s.network)}/${s.prefix}`;
}

export function subnetContains(s: Subnet, address: number): boolean {
  return (address & maskOf(s.prefix)) >>> 0 === s.network;
}

/** Two subnets overlap when one contains the other's network address. */
export function subnetsOverlap(a: Subnet, b: Subnet): boolean {
  return subnetContains(a, b.network) || subnetContains(b, a.network);
}

/** Dotted netmask, e.g. 255.255.255.0 for /24. */
export function netmaskOf(prefix: number): string {
  return formatIpv4(maskOf(prefix));
}
