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

/** systemd's RuntimeDirectory= for vbmcd, under /run; its pid file lives there. */
export const VBMCD_RUNTIME_DIRECTORY = "vbmcd";
const VBMCD_PID_FILE = `/run/${VBMCD_RUNTIME_DIRECTORY}/master.pid`;

/**
 * The root systemd unit `vbmcd.service` (restart always, hardened). `daemon` is the vbmcd
 * to run, by default spec.virtualBMC.executable.
 */
export function renderVbmcdUnit(vbmc: VirtualBMC, daemon: string = vbmc.executable): string {
  return fill(
    loadTemplate("virtualbmc/vbmcd.service"),
    {
      daemon,
      runtimeDirectory: VBMCD_RUNTIME_DIRECTORY,
      configFile: virtualBmcConfigFile(vbmc),
      configDir: vbmc.configDir,
      logDir: dirOf(vbmc.logFile),
    },
    escapeSystemd,
  );
}

/** virtualbmc.conf: config dir, pid file in the unit's RuntimeDirectory, log file, debug. */
export function renderVirtualBmcConf(vbmc: VirtualBMC): string {
  return fill(
    loadTemplate("virtualbmc/virtualbmc.conf"),
    {
      configDir: vbmc.configDir,
      pidFile: VBMCD_PID_FILE,
      logFile: vbmc.logFile,
      debug: String(vbmc.debug),
    },
    singleLine,
  );
}
