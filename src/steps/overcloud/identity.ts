import { createHash } from "node:crypto";

/**
 * MAC addresses and UUIDs are chosen by the operator, not libvirt: derived from the
 * object's identity (its uid, else namespace/name) and the node name, so they are the same
 * across restarts, re-plans and edits, and a node removed and added again gets them back.
 * Once a domain exists its definition is the truth; these only name new NICs and domains.
 */
function digest(...parts: string[]): Buffer {
  return createHash("sha256").update(parts.join("\0")).digest();
}

/** A MAC in QEMU's locally administered 52:54:00 block. */
export function macFor(seed: string, node: string, nic: number, attempt = 0): string {
  const d = digest("mac", seed, node, String(nic), String(attempt));
  return ["52", "54", "00", ...[0, 1, 2].map((i) => (d[i] ?? 0).toString(16).padStart(2, "0"))].join(":");
}

/**
 * MACs for a node's NICs number `from` to `count - 1` (the ones it has no MAC for yet)
 * that no other NIC on the Manager, nor one chosen before, has.
 */
export function chooseMacs(
  seed: string,
  node: string,
  from: number,
  count: number,
  taken: Set<string>,
): string[] {
  const macs: string[] = [];
  for (let nic = from; nic < count; nic++) {
    let attempt = 0;
    let mac = macFor(seed, node, nic, attempt);
    while (taken.has(mac)) mac = macFor(seed, node, nic, ++attempt);
    taken.add(mac);
    macs.push(mac);
  }
  return macs;
}

/** A version-4-shaped UUID for the node's domain (also its Redfish system id). */
export function uuidFor(seed: string, node: string): string {
  const d = Buffer.from(digest("uuid", seed, node).subarray(0, 16));
  d[6] = ((d[6] ?? 0) & 0x0f) | 0x40;
  d[8] = ((d[8] ?? 0) & 0x3f) | 0x80;
  const hex = d.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
