import { z } from "zod";
import type { LabManagerSpec } from "../../api/labmanager.js";
import type { RemoteHost } from "../../remote/types.js";
import { runScript } from "../run.js";
import type { OwnedResource, Step } from "../types.js";
import {
  FIREWALLD_CLOSE,
  FIREWALLD_OPEN,
  NFT_CLOSE,
  NFT_OPEN,
  OBSERVE_FIREWALL,
} from "./firewall-scripts.js";

/**
 * A BMC's UDP port in the Manager's firewall (LabManager spec.virtualBMC.openFirewall):
 * VMs reach their BMC through the Manager's address on their network, which a firewall
 * may block. firewalld where it runs (in the zone that receives the traffic), nftables
 * otherwise (only where a chain filters input); closed again only where we opened it.
 */
export const firewallFacts = z.object({
  backend: z.enum(["firewalld", "nftables", "none"]),
  /** The interface holding the BMC address ("" for a wildcard address or nftables). */
  iface: z.string(),
  zones: z.array(z.object({ zone: z.string(), runtime: z.boolean(), permanent: z.boolean() })),
  chains: z.array(
    z.object({
      family: z.string(),
      table: z.string(),
      chain: z.string(),
      /** A drop policy or a plain drop/reject rule: this chain can block the port. */
      filters: z.boolean(),
      /** Our tagged accept rule for the port is there. */
      ours: z.boolean(),
    }),
  ),
});
export type FirewallFacts = z.infer<typeof firewallFacts>;

export async function observeFirewall(
  host: RemoteHost,
  address: string,
  port: number,
): Promise<FirewallFacts> {
  const raw = await host.observe(OBSERVE_FIREWALL, [address, String(port)], {
    purpose: "observe the firewall for a BMC port",
    sudo: true,
    timeoutMs: 60_000,
  });
  return firewallFacts.parse(raw);
}

/**
 * Where we opened a port, recorded as ownership "firewalld:<zone>:<port>" or
 * "nft:<family>:<table>:<chain>:<port>" (":" appears in neither zone nor nft names).
 */
export type FirewallOpening =
  | { backend: "firewalld"; zone: string; port: number }
  | { backend: "nftables"; family: string; table: string; chain: string; port: number };

export function openingName(o: FirewallOpening): string {
  return o.backend === "firewalld"
    ? `firewalld:${o.zone}:${o.port}`
    : `nft:${o.family}:${o.table}:${o.chain}:${o.port}`;
}

/** The opening an owned name stands for; undefined for names that are not ours to read. */
export function parseOpening(name: string): FirewallOpening | undefined {
  const p = name.split(":");
  const port = Number(p.at(-1));
  if (!Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  if (p[0] === "firewalld" && p.length === 3) return { backend: "firewalld", zone: p[1]!, port };
  if (p[0] === "nft" && p.length === 5)
    return { backend: "nftables", family: p[1]!, table: p[2]!, chain: p[3]!, port };
  return undefined;
}

function where(o: FirewallOpening): string {
  return o.backend === "firewalld"
    ? `firewalld zone ${o.zone}`
    : `nftables chain ${o.family} ${o.table} ${o.chain}`;
}

export function openPortStep(o: FirewallOpening, opts: { own: boolean; drift?: string }): Step {
  const owns: OwnedResource = { kind: "firewall-port", name: openingName(o) };
  return {
    id: `bmc/firewall/${openingName(o)}`,
    description: `open UDP port ${o.port} for the BMC in the ${where(o)}`,
    ...(opts.own ? { owns } : {}),
    ...(opts.drift ? { drift: opts.drift } : {}),
    async apply(ctx) {
      const [script, args] =
        o.backend === "firewalld"
          ? [FIREWALLD_OPEN, [o.zone, String(o.port)]]
          : [NFT_OPEN, [o.family, o.table, o.chain, String(o.port)]];
      await runScript(ctx, script, args, { purpose: `open UDP ${o.port} in the ${where(o)}` });
    },
  };
}

export function closePortStep(o: FirewallOpening): Step {
  return {
    id: `${CLOSE_PREFIX}${openingName(o)}`,
    releases: { kind: "firewall-port", name: openingName(o) },
    description: `close UDP port ${o.port} in the ${where(o)} (opened for the BMC)`,
    async apply(ctx) {
      const [script, args] =
        o.backend === "firewalld"
          ? [FIREWALLD_CLOSE, [o.zone, String(o.port)]]
          : [NFT_CLOSE, [o.family, o.table, o.chain, String(o.port)]];
      await runScript(ctx, script, args, { purpose: `close UDP ${o.port} in the ${where(o)}` });
    },
  };
}

/** The openings the port needs now: zones or chains where it is not open yet. */
function neededOpenings(port: number, facts: FirewallFacts): Array<{ o: FirewallOpening; own: boolean }> {
  if (facts.backend === "firewalld") {
    return facts.zones
      .filter((z) => !z.runtime || !z.permanent)
      .map((z) => ({
        o: { backend: "firewalld" as const, zone: z.zone, port },
        // Half open already (by someone else): we complete it, but it is not ours to close.
        own: !z.runtime && !z.permanent,
      }));
  }
  return facts.chains
    .filter((c) => c.filters && !c.ours)
    .map((c) => ({
      o: { backend: "nftables" as const, family: c.family, table: c.table, chain: c.chain, port },
      own: true,
    }));
}

/**
 * Pure: the steps that let VMs reach the BMC's port, and close the ports we opened for an
 * earlier port or zone (owned names other than the ones wanted now). `open: false`
 * (spec.virtualBMC.openFirewall off) closes everything we opened and opens nothing.
 */
export function planBmcFirewall(
  port: number,
  facts: FirewallFacts,
  opts: { open: boolean; owned: readonly OwnedResource[]; wasConverged?: boolean },
): Step[] {
  const wanted = opts.open ? neededOpenings(port, facts) : [];
  const ownedNames = opts.owned.filter((r) => r.kind === "firewall-port").map((r) => r.name);
  const steps: Step[] = [];
  const keep = new Set(opts.open ? currentOpenings(port, facts).map(openingName) : []);
  for (const name of ownedNames) {
    const o = parseOpening(name);
    if (o && !keep.has(name)) steps.push(closePortStep(o));
  }
  for (const { o, own } of wanted) {
    const recorded = ownedNames.includes(openingName(o));
    const drift = opts.wasConverged ? `UDP port ${port} closed in the ${where(o)}` : undefined;
    steps.push(openPortStep(o, { own: own && !recorded, ...(drift ? { drift } : {}) }));
  }
  return steps;
}

/**
 * The call for an undercloud's BMC: its Manager's spec.virtualBMC.openFirewall decides
 * (off with VirtualBMC itself off), `owned` is the undercloud's recorded ownership.
 */
export function planBmcFirewallFor(
  manager: LabManagerSpec,
  port: number,
  facts: FirewallFacts,
  owned: readonly OwnedResource[],
  wasConverged = false,
): Step[] {
  const open = manager.virtualBMC.enabled && manager.virtualBMC.openFirewall;
  return planBmcFirewall(port, facts, { open, owned, wasConverged });
}

/** Every zone or filtering chain the port should be open in, open or not. */
function currentOpenings(port: number, facts: FirewallFacts): FirewallOpening[] {
  if (facts.backend === "firewalld")
    return facts.zones.map((z) => ({ backend: "firewalld" as const, zone: z.zone, port }));
  return facts.chains
    .filter((c) => c.filters || c.ours)
    .map((c) => ({ backend: "nftables" as const, family: c.family, table: c.table, chain: c.chain, port }));
}

const CLOSE_PREFIX = "cleanup/bmc/firewall/";

/** The ownership a close step ends (the driver drops it from the record once the step succeeded). */
export function releasedBy(step: Pick<Step, "releases">): OwnedResource | undefined {
  return step.releases;
}

/** Deletion: close every port we opened (recorded in `owned`), and nothing else. */
export function planBmcFirewallCleanup(owned: readonly OwnedResource[]): Step[] {
  return owned
    .filter((r) => r.kind === "firewall-port")
    .flatMap((r) => {
      const o = parseOpening(r.name);
      return o ? [closePortStep(o)] : [];
    });
}
