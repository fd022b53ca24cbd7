import type { LabManagerSpec } from "../../api/labmanager.js";
import { bash } from "../bash.js";
import { runScript, waitUntil, writeRemoteFile } from "../run.js";
import type { Step } from "../types.js";
import { vbmcConfPath, vbmcdUnit, vbmcLinks, virtualbmcConf } from "./content.js";
import { VBMCD_UNIT, VENV } from "./paths.js";

type VbmcSpec = LabManagerSpec["virtualBMC"];

/**
 * A venv that sees the distribution's python3-libvirt (--system-site-packages), so pip
 * finds libvirt-python satisfied and builds nothing; then the pinned virtualbmc.
 */
export const INSTALL_VENV = bash`set -euo pipefail
venv=$1 version=$2 daemonLink=$3 cliLink=$4
[ -x "$venv/bin/python" ] || python3 -m venv --system-site-packages "$venv"
"$venv/bin/pip" install --disable-pip-version-check --no-input "virtualbmc==$version"
mkdir -p "$(dirname "$daemonLink")" "$(dirname "$cliLink")"
ln -sfn "$venv/bin/vbmcd" "$daemonLink"
ln -sfn "$venv/bin/vbmc" "$cliLink"`;

export function vbmcInstallStep(vbmc: VbmcSpec, current: string, create: boolean): Step {
  return {
    id: "virtualbmc/install",
    description: current
      ? `upgrade VirtualBMC ${current} to ${vbmc.version} in ${VENV}`
      : `install VirtualBMC ${vbmc.version} in ${VENV}`,
    ...(create ? { owns: { kind: "vbmcd" as const, name: "vbmcd" } } : {}),
    async apply(ctx) {
      await runScript(ctx, INSTALL_VENV, [VENV, vbmc.version, ...vbmcLinks(vbmc)], {
        purpose: "install VirtualBMC",
        timeoutMs: 20 * 60 * 1000,
        progress: true,
      });
    },
  };
}

const RESTART = bash`set -euo pipefail
mkdir -p "$1" "$2"
systemctl daemon-reload
systemctl enable vbmcd
systemctl restart vbmcd`;

export function vbmcServiceStep(vbmc: VbmcSpec, why: string, drift?: string): Step {
  return {
    id: "virtualbmc/service",
    description: `configure and (re)start vbmcd: ${why}`,
    ...(drift ? { drift } : {}),
    async apply(ctx) {
      await writeRemoteFile(ctx, vbmcConfPath(vbmc), virtualbmcConf(vbmc), {
        mode: "0644",
        purpose: "write virtualbmc.conf",
      });
      await writeRemoteFile(ctx, VBMCD_UNIT, vbmcdUnit(vbmc), { mode: "0644", purpose: "write vbmcd unit" });
      const logDir = vbmc.logFile.slice(0, vbmc.logFile.lastIndexOf("/")) || "/";
      await runScript(ctx, RESTART, [vbmc.configDir, logDir], { purpose: "restart vbmcd" });
      await waitUntil(ctx, ["env", `VIRTUALBMC_CONFIG=${vbmcConfPath(vbmc)}`, `${VENV}/bin/vbmc`, "list"], {
        purpose: "wait for vbmcd to answer",
        timeoutSeconds: 60,
      });
    },
  };
}
