import type { HostBridge } from "../../api/labmanager.js";
import { bash, POLL_UNTIL } from "../bash.js";
import { runScript, writeRemoteFile } from "../run.js";
import { PlanBlocked, type HostField, type Step, type StepContext } from "../types.js";
import { type BridgeFile, bridgeFiles } from "./bridge-files.js";
import { sha256 } from "./content.js";
import { findLink, lifelineIfaces, type ManagerFacts } from "./facts.js";
import type { Family } from "./paths.js";

/** Why a bridge's live state or files differ from the spec; empty when converged. */
export function bridgeDifferences(
  family: Family,
  b: HostBridge,
  facts: ManagerFacts,
  stale: string[],
): string[] {
  const out: string[] = [];
  for (const f of bridgeFiles(family, b, carriedGateway(b, facts))) {
    const seen = facts.files[f.path];
    if (!seen) out.push(`${f.path} missing`);
    else if (seen.sha256 !== sha256(f.content) || seen.mode !== f.mode.replace(/^0/, ""))
      out.push(`${f.path} changed`);
  }
  for (const p of stale) out.push(`${p} no longer wanted`);
  const link = findLink(facts, b.name);
  if (!link || link.linkinfo?.info_kind !== "bridge") return [...out, `bridge ${b.name} gone`];
  if (!link.flags.includes("UP")) out.push(`bridge ${b.name} down`);
  const data = link.linkinfo.info_data;
  if (data?.stp_state !== undefined && (data.stp_state !== 0) !== b.stp) out.push(`STP of ${b.name} changed`);
  if (data?.forward_delay !== undefined && b.stp && data.forward_delay !== b.forwardDelay * 100) {
    out.push(`forward delay of ${b.name} changed`);
  }
  for (const nic of b.interfaces) {
    if (findLink(facts, nic)?.master !== b.name) out.push(`${nic} not in ${b.name}`);
  }
  for (const a of b.addresses) {
    const [ip, len] = a.split("/");
    if (!link.addr_info.some((x) => x.local === ip && String(x.prefixlen) === len))
      out.push(`${a} missing on ${b.name}`);
  }
  return out;
}

/**
 * The bridge's spec fields the host differs in, with what it has (`labctl diff`); `why` is
 * bridgeDifferences' list, whose file lines stand for the bridge as a whole. Pure.
 */
export function bridgeFields(
  path: string,
  b: HostBridge,
  facts: ManagerFacts,
  why: readonly string[],
): HostField[] {
  const link = findLink(facts, b.name);
  if (!link || link.linkinfo?.info_kind !== "bridge")
    return [{ path: `${path}.name`, host: `no bridge ${b.name}`, wanted: b.name }];
  const out: HostField[] = [];
  const files = why.filter((w) => w.startsWith("/"));
  if (files.length)
    out.push({ path, host: files.join("; "), wanted: "its persistent configuration as rendered" });
  const data = link.linkinfo.info_data;
  const stpOn = data?.stp_state !== undefined ? data.stp_state !== 0 : undefined;
  if (stpOn !== undefined && stpOn !== b.stp)
    out.push({ path: `${path}.stp`, host: stpOn ? "on" : "off", wanted: b.stp ? "on" : "off" });
  if (data?.forward_delay !== undefined && b.stp && data.forward_delay !== b.forwardDelay * 100)
    out.push({
      path: `${path}.forwardDelay`,
      host: `${data.forward_delay / 100} s`,
      wanted: `${b.forwardDelay} s`,
    });
  const members = facts.links.filter((l) => l.master === b.name).map((l) => l.ifname);
  if (b.interfaces.some((nic) => !members.includes(nic)))
    out.push({
      path: `${path}.interfaces`,
      host: members.join(" ") || "none",
      wanted: b.interfaces.join(" "),
    });
  const addresses = link.addr_info
    .filter((a) => !a.local.startsWith("fe80:"))
    .map((a) => `${a.local}/${a.prefixlen}`);
  if (b.addresses.some((a) => !addresses.includes(a)))
    out.push({
      path: `${path}.addresses`,
      host: addresses.join(" ") || "none",
      wanted: b.addresses.join(" "),
    });
  if (!link.flags.includes("UP")) out.push({ path, host: `bridge ${b.name} down`, wanted: "up" });
  return out;
}

/**
 * moveDefaultRoute with static addresses: the default route's gateway when it leaves through
 * a member NIC (before the move) or the bridge (after it), so the bridge's files carry it and
 * the Manager keeps its way out. With DHCP the bridge learns its route from the server.
 */
export function carriedGateway(b: HostBridge, facts: ManagerFacts): string | undefined {
  if (!b.moveDefaultRoute || b.dhcp) return undefined;
  const via = new Set([b.name, ...b.interfaces]);
  return facts.defaultRoutes.find((r) => r.gateway && r.dev && via.has(r.dev))?.gateway;
}

/** Refuse to move the NIC carrying the SSH session or the default route unless allowed. */
export function guardLifeline(b: HostBridge, facts: ManagerFacts): void {
  if (b.moveDefaultRoute) return;
  const lifeline = lifelineIfaces(facts);
  for (const nic of b.interfaces) {
    if (lifeline.has(nic) && findLink(facts, nic)?.master !== b.name) {
      throw new PlanBlocked(
        "WouldCutConnection",
        `bridge ${b.name} would take ${nic}, which carries the SSH session or the default route; ` +
          `set moveDefaultRoute: true on the bridge to allow it (make sure the bridge gets an address)`,
      );
    }
  }
}

/** networkd: load the files, apply the live bridge options networkd leaves alone, reconfigure. */
const NETWORKD_APPLY =
  POLL_UNTIL +
  bash`set -euo pipefail
br=$1 stp=$2 fd=$3; shift 3
systemctl is-active --quiet systemd-networkd || systemctl enable --now systemd-networkd
networkctl reload
poll_until 30 ip link show dev "$br" || { echo "bridge $br did not appear" >&2; exit 1; }
ip link set dev "$br" type bridge stp_state "$stp"
[ "$stp" = 0 ] || ip link set dev "$br" type bridge forward_delay "$fd"
networkctl reconfigure "$br" "$@"`;

const NM_APPLY = bash`set -euo pipefail
br=$1; shift 3
nmcli connection reload
nmcli connection up "lab-$br"
for nic in "$@"; do nmcli connection up "lab-$br-$nic"; done`;

/** Wait until the bridge is up and every member is enslaved to it. */
const VERIFY =
  POLL_UNTIL +
  bash`set -uo pipefail
br=$1; shift
ok() {
  [[ "$(ip -o link show dev "$br" 2>/dev/null)" =~ [\<,]UP[,\>] ]] || return 1
  for nic in "$@"; do [[ "$(ip -o link show dev "$nic" 2>/dev/null)" == *" master $br "* ]] || return 1; done
}
poll_until 60 ok "$@" || { ip -br link show >&2; echo "bridge $br not converged" >&2; exit 1; }`;

async function writeFiles(ctx: StepContext, files: BridgeFile[], stale: string[]): Promise<void> {
  for (const f of files)
    await writeRemoteFile(ctx, f.path, f.content, { mode: f.mode, purpose: `write ${f.path}` });
  if (stale.length)
    await ctx.host.exec(["rm", "-f", "--", ...stale], { purpose: "remove stale bridge files", sudo: true });
}

export function bridgeStep(
  family: Family,
  b: HostBridge,
  why: string[],
  opts: { create: boolean; drift?: string; stale: string[]; gateway?: string },
): Step {
  const members = b.interfaces.length ? ` with ${b.interfaces.join(", ")}` : "";
  return {
    id: `bridge/${b.name}`,
    description: `${opts.create ? "create" : "converge"} bridge ${b.name}${members} (${why.join("; ")})`,
    ...(opts.create ? { owns: { kind: "bridge" as const, name: b.name } } : {}),
    ...(opts.drift ? { drift: opts.drift } : {}),
    async apply(ctx) {
      await writeFiles(ctx, bridgeFiles(family, b, opts.gateway), opts.stale);
      const args = [b.name, b.stp ? "1" : "0", String(b.forwardDelay * 100), ...b.interfaces];
      await runScript(ctx, family === "debian" ? NETWORKD_APPLY : NM_APPLY, args, {
        purpose: `apply bridge ${b.name}`,
      });
      await runScript(ctx, VERIFY, [b.name, ...b.interfaces], {
        purpose: `verify bridge ${b.name}`,
        timeoutMs: 120_000,
      });
    },
  };
}
