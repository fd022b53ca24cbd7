import type { LibvirtNetwork } from "../../api/index.js";
import { formatSubnet, subnetOf, subnetsOverlap } from "../../manifests/ipv4.js";
import { libvirtNetworkName, renderNetworkXml } from "../../render/libvirt-network.js";
import { PlanBlocked, withFields, type Step } from "../types.js";
import { diffNetwork, type NetworkDiff } from "./diff.js";
import { stampedBy } from "./cleanup.js";
import { hookSubnetsOf, parseNetworkConfig, type NetworkConfig, type NetworkFacts } from "./facts.js";
import { hookPlan, hookRemovalPlan, type HookOptions } from "./hook.js";
import { networkFields } from "./host-fields.js";
import { ctlStep, defineStep, liveUpdateStep } from "./steps.js";
import { parseXml } from "./xml.js";

export interface NetworkPlanOptions {
  /** The object was Ready before: differences found now are drift, and steps say so. */
  wasConverged?: boolean;
  /** The LabManager's network hook; undefined when it is disabled. */
  hook?: HookOptions;
}

interface PlanCtx {
  net: LibvirtNetwork;
  name: string;
  facts: NetworkFacts;
  opts: NetworkPlanOptions;
}

/** What the libvirt network must do to match the spec, in order; empty when converged. Pure. */
export function planNetwork(net: LibvirtNetwork, facts: NetworkFacts, opts: NetworkPlanOptions = {}): Step[] {
  const name = libvirtNetworkName(net);
  const renamed = facts.otherActive.filter((o) => stampedBy(net, o.owner));
  if (renamed.length === 0) return planSpec({ net, name, facts, opts });
  // The old network goes first: it holds the bridge or subnet the new one may need.
  const others = facts.otherActive.filter((o) => !renamed.includes(o));
  return [
    ...planRenamed(net, name, renamed, facts, opts.hook),
    ...planSpec({ net, name, facts: { ...facts, otherActive: others }, opts }),
  ];
}

/**
 * Running networks stamped by this object under another libvirt name (spec.networkName, or
 * metadata.name without one, changed): replaced like a restart, so only under updatePolicy
 * Restart. A stopped one is not among them: see planStoppedRename.
 */
function planRenamed(
  net: LibvirtNetwork,
  name: string,
  renamed: NetworkFacts["otherActive"],
  facts: NetworkFacts,
  hook: HookOptions | undefined,
): Step[] {
  const old = renamed.map((o) => o.name).join(", ");
  if (net.spec.updatePolicy !== "Restart")
    throw new PlanBlocked(
      "RestartRequired",
      `libvirt network ${old}, defined by this object under its old name, must be replaced by ${name}: that stops it and disconnects its domains; set spec.updatePolicy: Restart or remove it by hand (virsh net-destroy, net-undefine)`,
    );
  const guard = renameGuard(net);
  return renamed.flatMap((o) => [
    ctlStep(
      "destroy",
      o.name,
      `stop libvirt network ${o.name}: replaced by ${name} (renamed)`,
      undefined,
      guard,
    ),
    ...hookRemovalPlan(o.name, { ...facts, hookSubnets: hookSubnetsOf(facts.hookConfig, o.name) }, hook),
    ctlStep("undefine", o.name, `undefine libvirt network ${o.name}: replaced by ${name}`, undefined, guard),
  ]);
}

/** The stamp a network under an old name must carry before it is removed: this object's. */
function renameGuard(net: LibvirtNetwork) {
  return { kind: net.kind, namespace: net.metadata.namespace, name: net.metadata.name, adopt: false };
}

/**
 * The network this object made under the name it had before (status.networkName), when it
 * is stopped: only active networks are listed to the plan, so it is looked up by name. It
 * disconnects nothing, so it is undefined under any updatePolicy; one not stamped by this
 * object is left alone. A running one is replaced by planNetwork (planRenamed).
 */
export function planStoppedRename(
  net: LibvirtNetwork,
  old: NetworkFacts,
  hook: HookOptions | undefined,
): Step[] {
  const name = libvirtNetworkName(net);
  if (old.name === name || !old.exists || old.active || !stampedBy(net, old.owner)) return [];
  const guard = renameGuard(net);
  return [
    ...hookRemovalPlan(old.name, old, hook),
    ctlStep(
      "undefine",
      old.name,
      `undefine the stopped libvirt network ${old.name}: renamed to ${name}`,
      undefined,
      guard,
    ),
  ];
}

function planSpec(p: PlanCtx): Step[] {
  const { net, facts } = p;
  if (!facts.exists) return planCreate(p);
  const restamp = checkOwnership(net, facts);
  const want = desiredConfig(net);
  const have = facts.config ?? parseNetworkConfig(parseXml("<network/>"));
  const diff = diffNetwork(want, have);
  let steps: Step[];
  if (diff.restart.length > 0 && facts.active) steps = planRestart(p, diff);
  else if (!facts.active) steps = planInactive(p, diff, restamp);
  else steps = planLive(p, diff, restamp);
  // The fields go with the first step: the one that starts bringing the definition over.
  const [first, ...rest] = steps;
  const fields = networkFields(want, have);
  return [...(first ? [withFields(first, ...fields), ...rest] : []), ...planAutostart(p)];
}

function desiredConfig(net: LibvirtNetwork) {
  return parseNetworkConfig(parseXml(renderNetworkXml(net)));
}

function drift(p: PlanCtx, what: string): string | undefined {
  return p.opts.wasConverged ? what : undefined;
}

/** The definition to send: rendered, plus the existing uuid (libvirt refuses a redefine without it). */
export function definitionXml(net: LibvirtNetwork, uuid: string): string {
  const xml = renderNetworkXml(net);
  if (!uuid) return xml;
  if (!/^[0-9a-f-]{36}$/i.test(uuid)) throw new Error(`unexpected libvirt uuid: ${uuid}`);
  return xml.replace(/(<\/name>)/, `$1\n  <uuid>${uuid}</uuid>`);
}

/**
 * Starting would fail, or take another network's place, when an active network holds the
 * bridge libvirt must create or an overlapping subnet (Debian and EL ship an autostarted
 * "default" network on 192.168.122.1/24, the seed's NAT address).
 */
export function checkClashes(name: string, want: NetworkConfig, facts: NetworkFacts): void {
  for (const o of facts.otherActive) {
    const why: string[] = [];
    const creates = want.forwardMode !== "bridge" || o.config.forwardMode !== "bridge";
    if (creates && o.config.bridge === want.bridge) why.push(`bridge ${want.bridge}`);
    const a = want.ipv4 && subnetOf(want.ipv4.address);
    const b = o.config.ipv4 && subnetOf(o.config.ipv4.address);
    if (a && b && subnetsOverlap(a, b)) why.push(`subnet ${formatSubnet(b)}`);
    if (why.length === 0) continue;
    const fix =
      o.name === "default"
        ? "set spec.libvirtDefaultNetwork: disabled on the LabManager (restored when it is deleted)"
        : `stop it (virsh net-destroy ${o.name}; virsh net-autostart --disable ${o.name})`;
    throw new PlanBlocked(
      "Conflict",
      `libvirt network ${name} cannot start: active network ${o.name} already uses ${why.join(" and ")}; ${fix} or change this spec`,
    );
  }
}

function planCreate(p: PlanCtx): Step[] {
  checkClashes(p.name, desiredConfig(p.net), p.facts);
  const what = drift(p, "network undefined by hand");
  const defined = { path: "spec", host: `no libvirt network ${p.name}`, wanted: `network ${p.name} defined` };
  return [
    withFields(
      defineStep(
        p.name,
        definitionXml(p.net, ""),
        `define libvirt network ${p.name} (${p.net.spec.mode} on bridge ${p.net.spec.bridge})`,
        what,
      ),
      defined,
    ),
    ...hookPlan(p.name, p.net, p.facts, p.opts.hook, p.opts.wasConverged),
    ...planAutostart(p),
    ctlStep("start", p.name, `start libvirt network ${p.name}`),
  ];
}

/**
 * Whether the definition must be rewritten to carry our stamp. Throws Conflict for a network
 * someone else created (or another object stamped), unless spec.adopt takes it over.
 */
export function checkOwnership(net: LibvirtNetwork, facts: NetworkFacts): boolean {
  const o = facts.owner;
  const ours =
    o && o.kind === net.kind && o.namespace === net.metadata.namespace && o.name === net.metadata.name;
  const uid = net.metadata.uid ?? "";
  if (ours && (!uid || !o.uid || o.uid === uid)) return Boolean(uid) && o.uid !== uid;
  if (net.spec.adopt) return true;
  const by = o
    ? `belongs to ${o.kind} ${o.namespace}/${o.name}${o.uid ? ` (uid ${o.uid})` : ""}`
    : "was not created by lab-operator";
  throw new PlanBlocked(
    "Conflict",
    `libvirt network ${facts.name} already exists and ${by}; set spec.adopt: true to take it over`,
  );
}

function restartMessage(p: PlanCtx, diff: NetworkDiff): string {
  const domains = p.facts.domains.length
    ? `affects domains: ${p.facts.domains.join(", ")}`
    : "affects no domains";
  return `libvirt network ${p.name} must restart to apply ${diff.restart.join(", ")}; this ${domains}; set spec.updatePolicy: Restart or restart by hand`;
}

function planRestart(p: PlanCtx, diff: NetworkDiff): Step[] {
  if (p.net.spec.updatePolicy !== "Restart")
    throw new PlanBlocked("RestartRequired", restartMessage(p, diff));
  const why = diff.restart.join(", ");
  const on = p.facts.domains.length
    ? ` (domains ${p.facts.domains.join(", ")} lose the network until they reattach)`
    : "";
  return [
    defineStep(
      p.name,
      definitionXml(p.net, p.facts.uuid),
      `redefine libvirt network ${p.name}: ${why}`,
      drift(p, why),
    ),
    ...hookPlan(p.name, p.net, p.facts, p.opts.hook, p.opts.wasConverged),
    ctlStep("destroy", p.name, `stop libvirt network ${p.name} to apply ${why}${on}`),
    ctlStep("start", p.name, `start libvirt network ${p.name} with the new definition`),
  ];
}

function planInactive(p: PlanCtx, diff: NetworkDiff, restamp: boolean): Step[] {
  checkClashes(p.name, desiredConfig(p.net), p.facts);
  const steps: Step[] = [];
  const changes = [...diff.restart, ...diff.live.map((u) => u.description)];
  if (changes.length > 0 || restamp) {
    const why = changes.length ? changes.join(", ") : "take it over (ownership stamp)";
    steps.push(
      defineStep(
        p.name,
        definitionXml(p.net, p.facts.uuid),
        `redefine libvirt network ${p.name}: ${why}`,
        changes.length ? drift(p, why) : undefined,
      ),
    );
  }
  steps.push(...hookPlan(p.name, p.net, p.facts, p.opts.hook, p.opts.wasConverged));
  steps.push(
    ctlStep(
      "start",
      p.name,
      `start libvirt network ${p.name} (inactive)`,
      drift(p, "network destroyed by hand"),
    ),
  );
  return steps;
}

function planLive(p: PlanCtx, diff: NetworkDiff, restamp: boolean): Step[] {
  const steps = diff.live.map((u, i) => liveUpdateStep(p.name, u, i, drift(p, u.description)));
  // net-define on a running network rewrites only its persistent definition: no restart.
  if (restamp)
    steps.push(
      defineStep(
        p.name,
        definitionXml(p.net, p.facts.uuid),
        `stamp libvirt network ${p.name} as managed by lab-operator`,
      ),
    );
  return [...steps, ...hookPlan(p.name, p.net, p.facts, p.opts.hook, p.opts.wasConverged)];
}

function planAutostart(p: PlanCtx): Step[] {
  const want = p.net.spec.autostart;
  if (p.facts.exists && p.facts.autostart === want) return [];
  if (!p.facts.exists && !want) return [];
  const field = {
    path: "spec.autostart",
    host: String(p.facts.exists && p.facts.autostart),
    wanted: String(want),
  };
  if (want)
    return [
      withFields(
        ctlStep(
          "autostart",
          p.name,
          `mark libvirt network ${p.name} to start at boot`,
          p.facts.exists ? drift(p, "autostart turned off") : undefined,
        ),
        field,
      ),
    ];
  return [
    withFields(
      ctlStep(
        "no-autostart",
        p.name,
        `stop starting libvirt network ${p.name} at boot`,
        drift(p, "autostart turned on"),
      ),
      field,
    ),
  ];
}
