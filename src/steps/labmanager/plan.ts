import type { LabManagerSpec } from "../../api/labmanager.js";
import type { Step } from "../types.js";
import { bridgeDifferences, bridgeStep, guardLifeline } from "./bridges.js";
import { bridgeFiles } from "./bridge-files.js";
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
import { APT_LISTS_MAX_AGE_SECONDS, desiredPackages, packagesStep } from "./packages.js";
import {
  type Family,
  NETWORK_HOOK,
  VBMCD_UNIT,
  networkdNetdev,
  nmBridge,
  qemuBridgeConf,
  sudoersPath,
} from "./paths.js";
import { networkHookStep, qemuBridgeStep, serviceStep, timezoneStep } from "./system.js";
import { authorizedKeyStep, homeModeStep, shellRcStep, sudoersStep, userStep } from "./user.js";
import { vbmcInstallStep, vbmcServiceStep } from "./vbmc.js";

export { planManagerCleanup } from "./cleanup.js";
export { resolveFamily };

export interface ManagerInputs {
  /** manager@manager's public key, authorized for the manager user. */
  managerPublicKey: string;
  /** Only ever sent on stdin inside apply; never logged. */
  managerPassword: string;
  /** The object was Ready before: differences found now are drift, and steps say so. */
  wasConverged?: boolean;
  /** Host bridges used by this Manager's LibvirtNetworks (for qemu's bridge helper). */
  networkBridges?: string[];
}

interface PlanCtx {
  spec: LabManagerSpec;
  facts: ManagerFacts;
  inputs: ManagerInputs;
  family: Family;
}

/** What the Manager must do to match the spec, in order; empty when converged. Pure. */
export function planManager(spec: LabManagerSpec, facts: ManagerFacts, inputs: ManagerInputs): Step[] {
  const p: PlanCtx = { spec, facts, inputs, family: resolveFamily(spec, facts) };
  for (const b of spec.bridges) guardLifeline(b, facts);
  return [
    ...planPackages(p),
    ...planSystem(p),
    ...planBridges(p),
    ...planVbmc(p),
    ...planUser(p),
    ...planHook(p),
  ];
}

/** Only drift when we had converged before; on first apply it is just work to do. */
function drift(p: PlanCtx, what: string): string | undefined {
  return p.inputs.wasConverged ? what : undefined;
}

function planPackages(p: PlanCtx): Step[] {
  const installed = new Set(p.facts.installed);
  const missing = desiredPackages(p.family, p.spec).filter((n) => !installed.has(n));
  const upgrade = p.spec.upgrade && !p.inputs.wasConverged;
  if (missing.length === 0 && !upgrade) return [];
  const age = p.facts.aptListsAgeSeconds;
  const update = p.family === "debian" && (age < 0 || age > APT_LISTS_MAX_AGE_SECONDS || upgrade);
  const step = packagesStep(p.family, missing, { update, upgrade });
  const d = missing.length ? drift(p, `packages removed: ${missing.join(" ")}`) : undefined;
  return [d ? { ...step, drift: d } : step];
}

function planSystem(p: PlanCtx): Step[] {
  const steps: Step[] = [];
  if (p.facts.timezone !== p.spec.timezone) {
    const s = timezoneStep(p.spec.timezone, p.facts.timezone);
    const d = drift(p, `timezone changed to ${p.facts.timezone}`);
    steps.push(d ? { ...s, drift: d } : s);
  }
  const { libvirtd, libvirtdSocket, virtlogd } = p.facts.services;
  const units = p.family === "debian" ? ["virtlogd.socket", "libvirtd.socket", "libvirtd"] : ["libvirtd"];
  // On Debian an idle libvirtd exits and its socket starts it again on the next connection.
  const libvirtUp =
    isRunning(libvirtd) || (p.family === "debian" && isEnabled(libvirtd) && isRunning(libvirtdSocket));
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
  for (const b of p.spec.bridges) {
    const main = p.family === "debian" ? networkdNetdev(b.name) : nmBridge(b.name);
    const prefix = main.replace(/\.(netdev|nmconnection)$/, "-");
    const stale = existing.filter((f) => f.startsWith(prefix) && !wanted.has(f));
    const why = bridgeDifferences(p.family, b, p.facts, stale);
    if (why.length === 0) continue;
    const create = !p.facts.links.some((l) => l.ifname === b.name) && !(main in p.facts.files);
    steps.push(bridgeStep(p.family, b, why, { create, stale, drift: drift(p, why.join("; ")) }));
  }
  const names = qemuBridges(p);
  const allowed = new Set(p.facts.qemuBridgeAllows);
  const missing = names.filter((n) => !allowed.has(n));
  if (missing.length) steps.push(qemuBridgeStep(qemuBridgeConf(p.family), missing));
  return steps;
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
  if (!vbmc.enabled) return [];
  const steps: Step[] = [];
  const current = p.facts.vbmcVersion;
  if (current !== vbmc.version) {
    steps.push(vbmcInstallStep(vbmc, current, !current && !(VBMCD_UNIT in p.facts.files)));
  }
  const why: string[] = [];
  if (steps.length) why.push("new version");
  const conf = vbmcConfPath(vbmc);
  if (fileDiffers(p.facts, conf, virtualbmcConf(vbmc), "644")) why.push(`${conf} differs`);
  if (fileDiffers(p.facts, VBMCD_UNIT, vbmcdUnit(vbmc), "644")) why.push(`${VBMCD_UNIT} differs`);
  const svc = p.facts.services.vbmcd;
  if (!isRunning(svc)) why.push(`vbmcd ${svc.active}/${svc.enabled}`);
  if (why.length) steps.push(vbmcServiceStep(vbmc, why.join("; "), drift(p, why.join("; "))));
  return steps;
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
  const steps: Step[] = [];
  if (!u.exists || !u.hasPassword) steps.push(userStep(user, p.inputs.managerPassword, !u.exists));
  const sudoers = sudoersPath(user.name);
  if (user.sudo && fileDiffers(p.facts, sudoers, sudoersContent(user.name), "440")) {
    const create = !(sudoers in p.facts.files);
    steps.push(
      sudoersStep(user.name, create, drift(p, create ? `${sudoers} missing` : `${sudoers} changed`)),
    );
  }
  const othersX = u.exists && (parseInt(u.homeMode || "0", 8) & 0o001) !== 0;
  if (user.homeReadableByQemu && !othersX)
    steps.push(homeModeStep(user.name, u.home || `~${user.name}`, u.homeMode || "new"));
  if (!u.authorizedKeys.includes(sha256(keyIdentity(p.inputs.managerPublicKey)))) {
    steps.push(authorizedKeyStep(user.name, p.inputs.managerPublicKey));
  }
  if (user.shellRc && u.rcBlock !== sha256(shellRcBlock())) steps.push(shellRcStep(user.name));
  return steps;
}

function planHook(p: PlanCtx): Step[] {
  if (!p.spec.networkHook.enabled) return [];
  const script = networkHookScript(p.spec);
  if (!fileDiffers(p.facts, NETWORK_HOOK, script, "755")) return [];
  return [networkHookStep(script, drift(p, `${NETWORK_HOOK} changed or missing`))];
}
