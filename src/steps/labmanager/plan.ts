import type { LabManagerSpec } from "../../api/labmanager.js";
import { PlanBlocked, withFields, type HostField, type OwnedResource, type Step } from "../types.js";
import { bridgeDifferences, bridgeFields, bridgeStep, carriedGateway, guardLifeline } from "./bridges.js";
import { bridgeFiles } from "./bridge-files.js";
import { planDefaultNetwork } from "./default-network.js";
import {
  networkHookScript,
  sha256,
  shellRcBlock,
  sudoersContent,
  vbmcConfPath,
  vbmcdUnit,
  virtualbmcConf,
} from "./content.js";
import { isEnabled, isRunning, type ManagerFacts } from "./facts.js";
import { resolveFamily } from "./family.js";
import {
  APT_LISTS_MAX_AGE_SECONDS,
  desiredPackages,
  type ElPackageManager,
  packagesStep,
  repositoriesStep,
} from "./packages.js";
import { elMajor, newerQemuPackage, repositoryPackages } from "./repositories.js";
import {
  type Family,
  NETWORK_HOOK,
  VBMCD_UNIT,
  NETWORKD_DIR,
  NETWORKD_MEMBER_PREFIX,
  networkdNetdev,
  nmBridge,
  qemuBridgeConf,
  sudoersPath,
} from "./paths.js";
import { claim, isOwned, type Ownership } from "./ownership.js";
import {
  networkHookCleanupStep,
  networkHookStep,
  qemuBridgeStep,
  serviceStep,
  timezoneStep,
} from "./system.js";
import {
  authorizedKeyStep,
  homeModeStep,
  passwordStep,
  shellRcRemovalStep,
  shellRcStep,
  sudoersStep,
  userStep,
} from "./user.js";
import { openstackClientsRemovalStep, openstackClientsStep } from "./openstack-clients.js";
import { vbmcInstallStep, vbmcServiceStep } from "./vbmc.js";

import { bridgeCleanup, bridgeExists, sudoersCleanup, vbmcCleanup } from "./cleanup.js";

export { planManagerCleanup } from "./cleanup.js";
export { resolveFamily };

export interface ManagerInputs {
  /** manager@manager's public key, authorized for the manager user. */
  managerPublicKey: string;
  /** Only ever sent on stdin inside apply; never logged. */
  managerPassword: string;
  /** The spec has not changed since the host last matched it: differences are drift, and steps say so. */
  wasConverged?: boolean;
  /** The opt-in full upgrade ran already (status.upgraded): it is not repeated. */
  upgraded?: boolean;
  /** Called once the full upgrade succeeded, so the controller records it. */
  onUpgraded?: () => void;
  /** Objects with VMs on this Manager ("TripleOUndercloud/x"): vbmcd stays while any is there. */
  vmObjects?: readonly string[];
  /** Host bridges used by this Manager's LibvirtNetworks (for qemu's bridge helper). */
  networkBridges?: string[];
  /** What this object recorded as created: a bridge, user or sudoers file not in it is someone else's. */
  owned: readonly OwnedResource[];
}

interface PlanCtx {
  spec: LabManagerSpec;
  facts: ManagerFacts;
  inputs: ManagerInputs;
  family: Family;
  ownership: Ownership;
}

/** What the Manager must do to match the spec, in order; empty when converged. Pure. */
export function planManager(spec: LabManagerSpec, facts: ManagerFacts, inputs: ManagerInputs): Step[] {
  const ownership = { owned: inputs.owned, adopt: spec.adopt };
  const p: PlanCtx = { spec, facts, inputs, family: resolveFamily(spec, facts), ownership };
  for (const b of spec.bridges) guardLifeline(b, facts);
  guardFileNames(p);
  return [
    ...planRepositories(p),
    ...planPackages(p),
    ...planSystem(p),
    ...planDefaultNetwork(spec, facts, inputs.owned),
    ...planBridges(p),
    ...planVbmc(p),
    ...planUser(p),
    ...planHook(p),
  ];
}

/**
 * Bridge public with NIC x and bridge public-x would write the same file (50-lab-public-x.network,
 * lab-public-x.nmconnection): one bridge's config would overwrite the other's, so refuse.
 */
function guardFileNames(p: PlanCtx): void {
  const writer = new Map<string, string>();
  for (const b of p.spec.bridges)
    for (const f of bridgeFiles(p.family, b)) {
      const other = writer.get(f.path);
      if (other !== undefined && other !== b.name)
        throw new PlanBlocked(
          "Conflict",
          `bridges ${other} and ${b.name} would both write ${f.path}: rename one of them or its member NIC in spec.bridges`,
        );
      writer.set(f.path, b.name);
    }
}

/** Only drift when we had converged before; on first apply it is just work to do. */
function drift(p: PlanCtx, what: string): string | undefined {
  return p.inputs.wasConverged ? what : undefined;
}

/** dnf, or yum where observe found no dnf (CentOS 7). */
function elPm(p: PlanCtx): ElPackageManager {
  return p.facts.elPackageManager === "yum" ? "yum" : "dnf";
}

/** EL: EPEL and the newer qemu repository, before the packages that come from them. */
function planRepositories(p: PlanCtx): Step[] {
  if (p.family !== "el") return [];
  const major = elMajor(p.facts);
  const installed = new Set(p.facts.installed);
  const missing = repositoryPackages(p.spec, major).filter((n) => !installed.has(n));
  if (missing.length === 0) return [];
  const qemuRepo = newerQemuPackage(major);
  const upgradeQemu = major === 8 && !!qemuRepo && missing.includes(qemuRepo) && installed.has("qemu-kvm");
  const d = drift(p, `repository packages removed: ${missing.join(" ")}`);
  const step = repositoriesStep(elPm(p), missing, { upgradeQemu, ...(d ? { drift: d } : {}) });
  return [withFields(step, missingPackages("spec.repositories", missing))];
}

function planPackages(p: PlanCtx): Step[] {
  const installed = new Set(p.facts.installed);
  const wanted = desiredPackages(p.family, p.spec, elMajor(p.facts));
  const missing = wanted.filter((n) => !installed.has(n));
  // Once per Manager, also when turned on after the Manager converged without it.
  const upgrade = p.spec.upgrade && !p.inputs.upgraded;
  if (missing.length === 0 && !upgrade) return [];
  const age = p.facts.aptListsAgeSeconds;
  const update = p.family === "debian" && (age < 0 || age > APT_LISTS_MAX_AGE_SECONDS || upgrade);
  const onUpgraded = p.inputs.onUpgraded;
  const step = packagesStep(p.family, missing, {
    update,
    upgrade,
    pm: elPm(p),
    ...(onUpgraded ? { onUpgraded } : {}),
  });
  const d = missing.length ? drift(p, `packages removed: ${missing.join(" ")}`) : undefined;
  const fields = [
    ...(missing.length ? [missingPackages("spec.packages", missing)] : []),
    ...(upgrade ? [{ path: "spec.upgrade", host: "not upgraded by this object yet", wanted: "true" }] : []),
  ];
  return [withFields(d ? { ...step, drift: d } : step, ...fields)];
}

/** Packages a step installs, as the field they come from (the base set of the family too). */
function missingPackages(path: string, missing: readonly string[]): HostField {
  return { path, host: `not installed: ${missing.join(" ")}`, wanted: "installed" };
}

function planSystem(p: PlanCtx): Step[] {
  const steps: Step[] = [];
  if (p.facts.timezone !== p.spec.timezone) {
    const s = timezoneStep(p.spec.timezone, p.facts.timezone);
    const d = drift(p, `timezone changed to ${p.facts.timezone}`);
    const field = { path: "spec.timezone", host: p.facts.timezone || "none", wanted: p.spec.timezone };
    steps.push(withFields(d ? { ...s, drift: d } : s, field));
  }
  const { libvirtd, libvirtdSocket, virtlogd } = p.facts.services;
  // CentOS 7's libvirtd has no socket unit; EL 8+ and Debian socket-activate it.
  const hasSocket = !["unknown", "not-found", ""].includes(libvirtdSocket.enabled);
  const elUnits = hasSocket ? ["libvirtd.socket", "libvirtd"] : ["libvirtd"];
  const units = p.family === "debian" ? ["virtlogd.socket", "libvirtd.socket", "libvirtd"] : elUnits;
  // A socket-activated libvirtd exits when idle (--timeout 120); its socket starts it again.
  const libvirtUp = isRunning(libvirtd) || (isEnabled(libvirtd) && isRunning(libvirtdSocket));
  const ok = libvirtUp && (p.family !== "debian" || isRunning(virtlogd));
  if (!ok) {
    const state = `libvirtd ${libvirtd.active}/${libvirtd.enabled}`;
    steps.push(
      serviceStep(
        "libvirtd",
        units,
        `enable and start ${units.join(" and ")} (now ${state})`,
        drift(p, state),
      ),
    );
  }
  return steps;
}

function planBridges(p: PlanCtx): Step[] {
  const existing = Object.keys(p.facts.files);
  const wanted = new Set(p.spec.bridges.flatMap((b) => bridgeFiles(p.family, b).map((f) => f.path)));
  const steps: Step[] = [];
  for (const [i, b] of p.spec.bridges.entries()) {
    const main = p.family === "debian" ? networkdNetdev(b.name) : nmBridge(b.name);
    const prefix = main.replace(/\.(netdev|nmconnection)$/, "-");
    const members = `${NETWORKD_DIR}/${NETWORKD_MEMBER_PREFIX}${b.name}-`;
    const prefixes = p.family === "debian" ? [prefix, members] : [prefix];
    // Ours by content, not by name alone: bridge public-x's files also start with "50-lab-public-".
    const stale = existing.filter(
      (f) => prefixes.some((x) => f.startsWith(x)) && p.facts.bridgeOf[f] === b.name && !wanted.has(f),
    );
    const present = p.facts.links.some((l) => l.ifname === b.name) || main in p.facts.files;
    const bridge = { kind: "bridge" as const, name: b.name };
    const adopted = claim(p.ownership, bridge, present, `host bridge ${b.name}`, `bridge/${b.name}/adopt`);
    steps.push(...adopted);
    const why = bridgeDifferences(p.family, b, p.facts, stale);
    if (why.length === 0) continue;
    const gateway = carriedGateway(b, p.facts);
    const step = bridgeStep(p.family, b, why, {
      create: !present,
      stale,
      gateway,
      drift: drift(p, why.join("; ")),
    });
    steps.push(withFields(step, ...bridgeFields(`spec.bridges[${i}]`, b, p.facts, why)));
  }
  steps.push(...planRetiredBridges(p));
  const names = qemuBridges(p);
  const allowed = new Set(p.facts.qemuBridgeAllows);
  const missing = names.filter((n) => !allowed.has(n));
  if (missing.length) {
    const field = {
      path: "spec.qemuBridgeAllow",
      host: `allowed: ${p.facts.qemuBridgeAllows.join(" ") || "none"}`,
      wanted: `allowed: ${names.join(" ")}`,
    };
    steps.push(withFields(qemuBridgeStep(qemuBridgeConf(p.family), missing), field));
  }
  return steps;
}

/**
 * A bridge this object created (or adopted) and spec.bridges no longer lists is removed, as
 * deleting the LabManager would; one a LibvirtNetwork of this Manager still names stays
 * until that network changes (cross-validation reports the reference).
 */
function planRetiredBridges(p: PlanCtx): Step[] {
  const wanted = new Set(p.spec.bridges.map((b) => b.name));
  const inUse = new Set(p.inputs.networkBridges ?? []);
  return p.inputs.owned
    .filter((o) => o.kind === "bridge" && !wanted.has(o.name) && !inUse.has(o.name))
    .filter((o) => bridgeExists(p.family, o.name, p.facts))
    .map((o) => ({
      ...bridgeCleanup(p.family, o.name),
      id: `bridge/${o.name}/remove`,
      description: `remove bridge ${o.name} and its persistent configuration (no longer in spec.bridges)`,
      releases: o,
      fields: [
        {
          path: "spec.bridges",
          host: `bridge ${o.name} (made by this object)`,
          wanted: `no bridge ${o.name}`,
        },
      ],
    }));
}

/** spec.qemuBridgeAllow when given, else our bridges and those of the Manager's networks. */
function qemuBridges(p: PlanCtx): string[] {
  if (p.spec.qemuBridgeAllow) return p.spec.qemuBridgeAllow;
  return [...new Set([...p.spec.bridges.map((b) => b.name), ...(p.inputs.networkBridges ?? [])])];
}

function fileDiffers(facts: ManagerFacts, path: string, content: string, mode: string): boolean {
  const f = facts.files[path];
  return !f || f.sha256 !== sha256(content) || f.mode !== mode;
}

function planVbmc(p: PlanCtx): Step[] {
  const vbmc = p.spec.virtualBMC;
  if (!vbmc.enabled) return planVbmcRemoval(p);
  const steps: Step[] = [];
  const current = p.facts.vbmcVersion;
  if (current !== vbmc.version) {
    const step = vbmcInstallStep(vbmc, current, !current && !(VBMCD_UNIT in p.facts.files));
    const field = { path: "spec.virtualBMC.version", host: current || "not installed", wanted: vbmc.version };
    steps.push(withFields(step, field));
  }
  const why: string[] = [];
  if (steps.length) why.push("new version");
  const conf = vbmcConfPath(vbmc);
  if (fileDiffers(p.facts, conf, virtualbmcConf(vbmc), "644")) why.push(`${conf} differs`);
  if (fileDiffers(p.facts, VBMCD_UNIT, vbmcdUnit(vbmc), "644")) why.push(`${VBMCD_UNIT} differs`);
  const svc = p.facts.services.vbmcd;
  if (!isRunning(svc)) why.push(`vbmcd ${svc.active}/${svc.enabled}`);
  if (why.length) {
    // A new version is spec.virtualBMC.version's field, on the install step.
    const onHost = why.filter((w) => w !== "new version");
    const field = {
      path: "spec.virtualBMC",
      host: onHost.join("; "),
      wanted: "vbmcd configured as specified and running",
    };
    const step = vbmcServiceStep(vbmc, why.join("; "), drift(p, why.join("; ")));
    steps.push(onHost.length ? withFields(step, field) : step);
  }
  return steps;
}

/**
 * spec.virtualBMC.enabled turned false: vbmcd, installed by this object, is removed as on
 * delete, unless VMs of the lab are still on this Manager (their BMCs would go with it;
 * EditsApplied says it stays).
 */
function planVbmcRemoval(p: PlanCtx): Step[] {
  const vbmcd = { kind: "vbmcd" as const, name: "vbmcd" };
  const present =
    Boolean(p.facts.vbmcVersion) || VBMCD_UNIT in p.facts.files || p.facts.services.vbmcd.active === "active";
  if (!present || !isOwned(p.ownership, vbmcd) || (p.inputs.vmObjects ?? []).length > 0) return [];
  return [
    {
      ...vbmcCleanup(p.spec.virtualBMC),
      id: "virtualbmc/remove",
      description: "stop and remove vbmcd (spec.virtualBMC.enabled is false)",
      releases: vbmcd,
      fields: [{ path: "spec.virtualBMC.enabled", host: "vbmcd installed by this object", wanted: "false" }],
    },
  ];
}

/** "type base64" of an OpenSSH public key line: what observe hashes per authorized key. */
export function keyIdentity(publicKey: string): string {
  const fields = publicKey.trim().split(/\s+/);
  const i = fields.findIndex((f) => /^(ssh-|ecdsa-|sk-)/.test(f));
  if (i < 0 || i + 1 >= fields.length) throw new Error("managerPublicKey is not an OpenSSH public key line");
  return `${fields[i]} ${fields[i + 1]}`;
}

function planUser(p: PlanCtx): Step[] {
  const { user } = p.spec;
  const u = p.facts.user;
  const sudoers = sudoersPath(user.name);
  const steps: Step[] = [
    ...claim(
      p.ownership,
      { kind: "user", name: user.name },
      u.exists,
      `user ${user.name}`,
      `user/${user.name}/adopt`,
    ),
    ...claim(
      p.ownership,
      { kind: "sudoers", name: sudoers },
      user.sudo && sudoers in p.facts.files,
      sudoers,
      `user/${user.name}/sudoers/adopt`,
    ),
  ];
  const password = { path: "spec.user.passwordRef", wanted: "the referenced password" };
  if (!u.exists)
    steps.push(
      withFields(userStep(user, p.inputs.managerPassword, true), {
        path: "spec.user.name",
        host: `no user ${user.name}`,
        wanted: user.name,
      }),
    );
  else if (!u.hasPassword)
    steps.push(
      withFields(userStep(user, p.inputs.managerPassword, false), { ...password, host: "no password" }),
    );
  else if (u.passwordCheck === "differs")
    steps.push(
      withFields(
        passwordStep(user.name, p.inputs.managerPassword, drift(p, `password of ${user.name} changed`)),
        { ...password, host: "another password" },
      ),
    );
  if (!user.sudo && sudoers in p.facts.files && isOwned(p.ownership, { kind: "sudoers", name: sudoers }))
    steps.push({
      ...sudoersCleanup(sudoers),
      id: `sudoers/${user.name}/remove`,
      description: `remove ${sudoers} (spec.user.sudo is false)`,
      releases: { kind: "sudoers", name: sudoers },
      fields: [{ path: "spec.user.sudo", host: `${sudoers} present`, wanted: "false" }],
    });
  if (user.sudo && fileDiffers(p.facts, sudoers, sudoersContent(user.name), "440")) {
    const create = !(sudoers in p.facts.files);
    const host = create ? `${sudoers} missing` : `${sudoers} differs`;
    const step = sudoersStep(
      user.name,
      create,
      drift(p, create ? `${sudoers} missing` : `${sudoers} changed`),
    );
    steps.push(withFields(step, { path: "spec.user.sudo", host, wanted: "true" }));
  }
  const othersX = u.exists && (parseInt(u.homeMode || "0", 8) & 0o001) !== 0;
  if (user.homeReadableByQemu && !othersX)
    steps.push(
      withFields(homeModeStep(user.name, u.home || `~${user.name}`, u.homeMode || "new"), {
        path: "spec.user.homeReadableByQemu",
        host: u.exists ? `home mode ${u.homeMode || "unknown"}` : "no home yet",
        wanted: "true (others may enter it)",
      }),
    );
  if (!u.authorizedKeys.includes(sha256(keyIdentity(p.inputs.managerPublicKey)))) {
    steps.push(authorizedKeyStep(user.name, p.inputs.managerPublicKey));
  }
  const rc = { path: "spec.user.shellRc" };
  if (user.shellRc && u.rcBlock !== sha256(shellRcBlock()))
    steps.push(
      withFields(shellRcStep(user.name), {
        ...rc,
        host: u.rcBlock ? "another block" : "no block",
        wanted: "true",
      }),
    );
  if (!user.shellRc && u.rcBlock)
    steps.push(
      withFields(shellRcRemovalStep(user.name), { ...rc, host: "our block present", wanted: "false" }),
    );
  return [...steps, ...planOpenstackClients(p)];
}

/** The clients' venv when asked for; taken away again only when this object installed it. */
function planOpenstackClients(p: PlanCtx): Step[] {
  const { user } = p.spec;
  const { openstack, heat } = p.facts.user.openstackClients;
  const installed = [openstack ? "openstack" : "", heat ? "heat" : ""].filter(Boolean).join(" and ");
  const field = {
    path: "spec.user.openstackClients",
    host: installed ? `${installed} installed` : "not installed",
  };
  if (user.openstackClients)
    return openstack && heat
      ? []
      : [
          withFields(
            openstackClientsStep(user.name, drift(p, `the OpenStack clients of ${user.name} are missing`)),
            {
              ...field,
              wanted: "true",
            },
          ),
        ];
  const ours = isOwned(p.ownership, { kind: "openstack-clients", name: user.name });
  return ours && (openstack || heat)
    ? [
        withFields(openstackClientsRemovalStep(user.name, "spec.user.openstackClients is false"), {
          ...field,
          wanted: "false",
        }),
      ]
    : [];
}

function planHook(p: PlanCtx): Step[] {
  if (!p.spec.networkHook.enabled) return planHookRemoval(p);
  const script = networkHookScript(p.spec);
  if (!fileDiffers(p.facts, NETWORK_HOOK, script, "755")) return [];
  const d = drift(p, `${NETWORK_HOOK} changed or missing`);
  const create = !(NETWORK_HOOK in p.facts.files);
  const field = {
    path: "spec.networkHook",
    host: `${NETWORK_HOOK} ${create ? "missing" : "differs"}`,
    wanted: "installed as specified",
  };
  return [withFields(networkHookStep(script, { create, ...(d ? { drift: d } : {}) }), field)];
}

/** spec.networkHook.enabled turned false: the hook script this object installed is removed. */
function planHookRemoval(p: PlanCtx): Step[] {
  const hook = { kind: "file" as const, name: NETWORK_HOOK };
  if (!(NETWORK_HOOK in p.facts.files) || !isOwned(p.ownership, hook)) return [];
  return [
    {
      ...networkHookCleanupStep(p.spec.networkHook.configFile),
      id: "libvirt-network-hook/remove",
      releases: hook,
      fields: [
        {
          path: "spec.networkHook.enabled",
          host: `${NETWORK_HOOK} installed by this object`,
          wanted: "false",
        },
      ],
    },
  ];
}
