import { createHash } from "node:crypto";
import type { LabManagerSpec } from "../../api/labmanager.js";
import { renderNetworkHookScript } from "../../render/network-hook.js";
import { renderShellRcBlock, SHELL_RC_END, SHELL_RC_START } from "../../render/shell-rc.js";
import { renderSudoers } from "../../render/sudoers.js";
import { virtualBmcConfigFile } from "../../render/virtualbmc.js";
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

/*
 * vbmcd's unit and configuration stay here for now: src/render/virtualbmc.ts's template
 * leaves pid_file at its default (~/.vbmc/master.pid) while its unit has
 * ProtectHome=read-only, so vbmcd cannot write its pid file and exits at start. These set
 * pid_file under a RuntimeDirectory; the lead moves them to the renderer once it does too.
 */
export function virtualbmcConf(vbmc: VbmcSpec): string {
  return [
    "# Written by lab-operator. See: https://opendev.org/openstack/virtualbmc (virtualbmc/config.py)",
    "[default]",
    `config_dir = ${vbmc.configDir}`,
    "pid_file = /run/vbmcd/master.pid",
    "",
    "[log]",
    `logfile = ${vbmc.logFile}`,
    `debug = ${vbmc.debug ? "true" : "false"}`,
    "",
  ].join("\n");
}

/** Root service; hardened but still able to reach libvirt's socket and bind IPMI UDP ports. */
export function vbmcdUnit(vbmc: VbmcSpec): string {
  return [
    "# Written by lab-operator. VirtualBMC daemon: IPMI endpoints for libvirt VMs.",
    "[Unit]",
    "Description=VirtualBMC daemon (IPMI for libvirt VMs)",
    "After=network-online.target libvirtd.service",
    "Wants=network-online.target",
    "",
    "[Service]",
    "Type=simple",
    `Environment=VIRTUALBMC_CONFIG=${vbmcConfPath(vbmc)}`,
    `ExecStart=${VENV}/bin/vbmcd --foreground`,
    "Restart=always",
    "RestartSec=2",
    "RuntimeDirectory=vbmcd",
    "ProtectSystem=strict",
    `ReadWritePaths=-${vbmc.configDir} -${dirOf(vbmc.logFile)}`,
    "ProtectHome=yes",
    "PrivateTmp=yes",
    "NoNewPrivileges=yes",
    "ProtectKernelModules=yes",
    "ProtectKernelTunables=yes",
    "ProtectControlGroups=yes",
    "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK",
    "LockPersonality=yes",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}
