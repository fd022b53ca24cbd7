import type { LabManagerSpec } from "../api/index.js";
import { escapeSystemd, fill, loadTemplate, singleLine } from "./template.js";

type VirtualBMC = LabManagerSpec["virtualBMC"];

/** Where vbmcd reads its configuration: virtualbmc.conf inside the config dir. */
export function virtualBmcConfigFile(vbmc: VirtualBMC): string {
  return `${vbmc.configDir.replace(/\/$/, "")}/virtualbmc.conf`;
}

function dirOf(path: string): string {
  return path.slice(0, path.lastIndexOf("/")) || "/";
}

/** The root systemd unit `vbmcd.service` (restart always, hardened). */
export function renderVbmcdUnit(vbmc: VirtualBMC): string {
  return fill(
    loadTemplate("virtualbmc/vbmcd.service"),
    {
      executable: vbmc.executable,
      configFile: virtualBmcConfigFile(vbmc),
      configDir: vbmc.configDir,
      logDir: dirOf(vbmc.logFile),
    },
    escapeSystemd,
  );
}

/** virtualbmc.conf: config dir, log file, debug. */
export function renderVirtualBmcConf(vbmc: VirtualBMC): string {
  return fill(
    loadTemplate("virtualbmc/virtualbmc.conf"),
    { configDir: vbmc.configDir, logFile: vbmc.logFile, debug: String(vbmc.debug) },
    singleLine,
  );
}
