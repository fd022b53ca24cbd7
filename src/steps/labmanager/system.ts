import { bash, POLL_UNTIL } from "../bash.js";
import { runScript, writeRemoteFile } from "../run.js";
import type { Step } from "../types.js";
import { NETWORK_HOOK } from "./paths.js";

/** timedatectl when systemd answers; otherwise the files it would have written. */
const SET_TIMEZONE = bash`set -euo pipefail
tz=$1
[ -e "/usr/share/zoneinfo/$tz" ] || { echo "unknown timezone: $tz" >&2; exit 1; }
if command -v timedatectl >/dev/null && timedatectl set-timezone "$tz" 2>/dev/null; then exit 0; fi
ln -sfn "/usr/share/zoneinfo/$tz" /etc/localtime
[ -d /etc/sysconfig ] || printf '%s\n' "$tz" >/etc/timezone`;

export function timezoneStep(tz: string, current: string): Step {
  return {
    id: "timezone",
    description: `set the timezone to ${tz} (now ${current || "unknown"})`,
    async apply(ctx) {
      await runScript(ctx, SET_TIMEZONE, [tz], { purpose: "set timezone" });
    },
  };
}

/** Enable and start units, then wait until each reports active. */
const ENABLE_NOW =
  POLL_UNTIL +
  bash`set -euo pipefail
systemctl enable --now "$@"
for u in "$@"; do
  poll_until 60 systemctl is-active --quiet "$u" || { systemctl status --no-pager "$u" >&2 || true; exit 1; }
done`;

export function serviceStep(id: string, units: string[], description: string, drift?: string): Step {
  return {
    id,
    description,
    ...(drift ? { drift } : {}),
    async apply(ctx) {
      await runScript(ctx, ENABLE_NOW, units, { purpose: `enable and start ${units.join(", ")}` });
    },
  };
}

/** Append the missing `allow <bridge>` lines; existing lines are never rewritten. */
export const ALLOW_BRIDGES = bash`set -euo pipefail
conf=$1; shift
mkdir -p "$(dirname "$conf")"
touch "$conf"
for br in "$@"; do
  awk -v b="$br" '$1=="allow" && $2==b {found=1} END {exit !found}' "$conf" || printf 'allow %s\n' "$br" >>"$conf"
done
chmod 0644 "$conf"`;

export function qemuBridgeStep(conf: string, bridges: string[]): Step {
  return {
    id: "qemu-bridge-helper",
    description: `allow qemu's bridge helper on ${bridges.join(", ")} in ${conf}`,
    async apply(ctx) {
      await runScript(ctx, ALLOW_BRIDGES, [conf, ...bridges], { purpose: "allow bridges for qemu" });
    },
  };
}

export function networkHookStep(script: string, opts: { create: boolean; drift?: string }): Step {
  return {
    id: "libvirt-network-hook",
    description: `install the libvirt network hook ${NETWORK_HOOK}`,
    ...(opts.create ? { owns: { kind: "file" as const, name: NETWORK_HOOK } } : {}),
    ...(opts.drift ? { drift: opts.drift } : {}),
    async apply(ctx) {
      await writeRemoteFile(ctx, NETWORK_HOOK, script, {
        mode: "0755",
        purpose: "install network hook",
      });
      // libvirtd looks for hook scripts only when it starts; running domains are unaffected.
      await ctx.host.exec(["systemctl", "try-restart", "libvirtd"], {
        purpose: "reload libvirt hooks",
        sudo: true,
      });
    },
  };
}

/**
 * Remove our hook script, and its config file once no network is listed in it (the
 * LibvirtNetworks are deleted before their Manager); libvirtd forgets the hook on restart.
 */
const REMOVE_HOOK = bash`set -uo pipefail
hook=$1 conf=$2
rm -f -- "$hook"
if [ -f "$conf" ] && ! grep -qv '^[[:space:]]*\(#\|$\)' "$conf"; then
  rm -f -- "$conf"
  rmdir --ignore-fail-on-non-empty -- "$(dirname "$conf")" 2>/dev/null
fi
systemctl try-restart libvirtd || true`;

export function networkHookCleanupStep(configFile: string): Step {
  return {
    id: "cleanup/libvirt-network-hook",
    description: `remove the libvirt network hook ${NETWORK_HOOK} (and ${configFile} when no network is left in it)`,
    async apply(ctx) {
      await runScript(ctx, REMOVE_HOOK, [NETWORK_HOOK, configFile], { purpose: "remove network hook" });
    },
  };
}
