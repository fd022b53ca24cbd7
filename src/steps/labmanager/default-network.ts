import type { LabManagerSpec } from "../../api/labmanager.js";
import { formatSubnet, subnetOf, subnetsOverlap, type Subnet } from "../../manifests/ipv4.js";
import { bash } from "../bash.js";
import { runScript } from "../run.js";
import { PlanBlocked, withFields, type OwnedResource, type Step } from "../types.js";
import type { ManagerFacts } from "./facts.js";

/**
 * libvirt's own "default" network (192.168.122.1/24 on virbr0, defined and autostarted by
 * the libvirt packages on fresh Debian and EL hosts) takes the seed's hypervisor-control-plane
 * subnet. spec.libvirtDefaultNetwork: disabled stops it and turns its autostart off; what it
 * was is recorded (the name says what to restore) so deleting the LabManager, or setting the
 * field back to keep, puts it back as it was.
 */
const NAME = "default";
type DefaultNetworkFact = ManagerFacts["libvirtDefaultNetwork"];

/** The record's name: what we turned off ("default:active,autostart"). */
function recordName(was: { active: boolean; autostart: boolean }): string {
  return `${NAME}:${[was.active ? "active" : "", was.autostart ? "autostart" : ""].filter(Boolean).join(",")}`;
}

function parseRecord(name: string): { active: boolean; autostart: boolean } | undefined {
  const m = /^default:([a-z,]*)$/.exec(name);
  if (!m) return undefined;
  const parts = new Set(m[1]!.split(","));
  return { active: parts.has("active"), autostart: parts.has("autostart") };
}

const DISABLE = bash`set -uo pipefail
active=$1 autostart=$2
if [ "$autostart" = 1 ]; then virsh net-autostart --disable default >/dev/null || exit $?; fi
if [ "$active" = 1 ] && [[ "$(virsh net-info default)" =~ Active:\ +yes ]]; then virsh net-destroy default >/dev/null || exit $?; fi
exit 0`;

const RESTORE = bash`set -uo pipefail
active=$1 autostart=$2
virsh net-info default >/dev/null 2>&1 || exit 0 # undefined since: nothing to give back
if [ "$autostart" = 1 ]; then virsh net-autostart default >/dev/null || exit $?; fi
if [ "$active" = 1 ] && ! [[ "$(virsh net-info default)" =~ Active:\ +yes ]]; then virsh net-start default >/dev/null || exit $?; fi
exit 0`;

function disableStep(fact: DefaultNetworkFact, opts: { record: boolean }): Step {
  const was = { active: fact.active, autostart: fact.autostart };
  return {
    id: "libvirt-default-network",
    description: `stop libvirt's default network${fact.address ? ` (${fact.address})` : ""} and turn its autostart off`,
    ...(opts.record ? { owns: { kind: "libvirt-default-network" as const, name: recordName(was) } } : {}),
    async apply(ctx) {
      await runScript(ctx, DISABLE, [was.active ? "1" : "0", was.autostart ? "1" : "0"], {
        purpose: "disable libvirt's default network",
      });
    },
  };
}

export function restoreDefaultNetworkStep(record: OwnedResource): Step | undefined {
  const was = parseRecord(record.name);
  if (!was) return undefined;
  return {
    id: `cleanup/libvirt-default-network`,
    description: `give libvirt's default network back its ${[was.autostart ? "autostart" : "", was.active ? "running state" : ""].filter(Boolean).join(" and ")}`,
    releases: record,
    async apply(ctx) {
      await runScript(ctx, RESTORE, [was.active ? "1" : "0", was.autostart ? "1" : "0"], {
        purpose: "restore libvirt's default network",
      });
    },
  };
}

/**
 * keep (the default): nothing is done, but a default network that is up (or comes up at boot)
 * on the subnet of one of our bridges is a Conflict naming the field that resolves it.
 * disabled: stop it and turn autostart off, once; back to keep restores what we turned off.
 */
export function planDefaultNetwork(
  spec: LabManagerSpec,
  facts: ManagerFacts,
  owned: readonly OwnedResource[],
): Step[] {
  const fact = facts.libvirtDefaultNetwork;
  const records = owned.filter((o) => o.kind === "libvirt-default-network");
  if (spec.libvirtDefaultNetwork === "keep") {
    const restore = { path: "spec.libvirtDefaultNetwork", host: "disabled by this object", wanted: "keep" };
    if (records.length)
      return records.flatMap((r) => {
        const step = restoreDefaultNetworkStep(r);
        return step ? [withFields(step, restore)] : [];
      });
    checkBridgeClash(spec, fact);
    return [];
  }
  if (!fact.defined || (!fact.active && !fact.autostart)) return [];
  // Turned on again by hand: turned off again, the first record still says what to give back.
  const host = [fact.active ? "running" : "stopped", fact.autostart ? "autostarted" : ""].filter(Boolean);
  return [
    withFields(disableStep(fact, { record: records.length === 0 }), {
      path: "spec.libvirtDefaultNetwork",
      host: host.join(", "),
      wanted: "disabled (stopped, no autostart)",
    }),
  ];
}

function checkBridgeClash(spec: LabManagerSpec, fact: DefaultNetworkFact): void {
  if (!fact.defined || (!fact.active && !fact.autostart) || !fact.address || !fact.netmask) return;
  const theirs = subnetOrUndefined(`${fact.address}/${prefixOf(fact.netmask)}`);
  if (!theirs) return;
  for (const b of spec.bridges) {
    for (const cidr of b.addresses) {
      const ours = subnetOrUndefined(cidr);
      if (!ours || !subnetsOverlap(ours, theirs)) continue;
      throw new PlanBlocked(
        "Conflict",
        `libvirt's default network (${formatSubnet(theirs)}, ${fact.active ? "running" : "autostarted"}) overlaps bridge ${b.name}'s address ${cidr}; ` +
          `set spec.libvirtDefaultNetwork: disabled to stop it (restored when the LabManager is deleted)`,
      );
    }
  }
}

/** Host text may be anything: an address we cannot parse clashes with nothing. */
function subnetOrUndefined(cidr: string): Subnet | undefined {
  try {
    return subnetOf(cidr);
  } catch {
    return undefined;
  }
}

function prefixOf(netmask: string): number {
  return netmask
    .split(".")
    .map(Number)
    .reduce((n, octet) => n + (octet.toString(2).match(/1/g)?.length ?? 0), 0);
}
