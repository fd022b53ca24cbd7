import { createHash } from "node:crypto";
import type { LabManagerSpec } from "../../api/labmanager.js";
import { renderNetworkHookScript } from "../../render/network-hook.js";
import { renderShellRcBlock, SHELL_RC_END, SHELL_RC_START } from "../../render/shell-rc.js";
import { renderSudoers } from "../../render/sudoers.js";
import { renderVbmcdUnit, renderVirtualBmcConf, virtualBmcConfigFile } from "../../render/virtualbmc.js";
import { VENV } from "./paths.js";

/** The contents the Manager's files must have; the plan compares their sha256 with observed ones. */

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

export const RC_START = SHELL_RC_START;
export const RC_END = SHELL_RC_END;

/** The block exactly as observe hashes it: whole lines, markers included, one final newline. */
export function shellRcBlock(): string {
  return `${renderShellRcBlock().replace(/\n+$/, "")}\n`;
}

export function sudoersContent(user: string): string {
  return renderSudoers(user);
}

export function networkHookScript(spec: LabManagerSpec): string {
  return renderNetworkHookScript(spec.networkHook.configFile);
}

type VbmcSpec = LabManagerSpec["virtualBMC"];

export const vbmcConfPath = (vbmc: VbmcSpec): string => virtualBmcConfigFile(vbmc);

function dirOf(path: string): string {
  return path.slice(0, path.lastIndexOf("/")) || "/";
}

/** vbmcd and vbmc on PATH (spec.virtualBMC.executable and its sibling), linked into the venv. */
export function vbmcLinks(vbmc: VbmcSpec): string[] {
  return [vbmc.executable, `${dirOf(vbmc.executable)}/vbmc`];
}

/** virtualbmc.conf as the Manager must have it. */
export function virtualbmcConf(vbmc: VbmcSpec): string {
  return renderVirtualBmcConf(vbmc);
}

/** vbmcd.service running the daemon of our venv (the links on PATH point there too). */
export function vbmcdUnit(vbmc: VbmcSpec): string {
  return renderVbmcdUnit(vbmc, `${VENV}/bin/vbmcd`);
}
