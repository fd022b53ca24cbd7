import type { LabManagerSpec } from "../../api/labmanager.js";
import { bash, POLL_UNTIL } from "../bash.js";
import { runScript } from "../run.js";
import type { OwnedResource, Step } from "../types.js";
import { vbmcConfPath, vbmcLinks } from "./content.js";
import { findLink, type ManagerFacts } from "./facts.js";
import { resolveFamily } from "./family.js";
import { type Family, NETWORKD_DIR, NM_DIR, VBMCD_UNIT, VENV, qemuBridgeConf, sudoersPath } from "./paths.js";

const REMOVE_VBMC = bash`set -uo pipefail
unit=$1 venv=$2 conf=$3; shift 3
systemctl disable --now vbmcd 2>/dev/null || true
rm -f "$unit"
systemctl daemon-reload || true
for link in "$@"; do case $(readlink "$link") in "$venv"/bin/*) rm -f -- "$link" ;; esac; done
rm -rf -- "$venv"
rm -f -- "$conf"
rmdir --ignore-fail-on-non-empty "$(dirname "$conf")" 2>/dev/null || true
exit 0`;

function vbmcCleanup(vbmc: LabManagerSpec["virtualBMC"]): Step {
  const conf = vbmcConfPath(vbmc);
  return {
    id: "cleanup/virtualbmc",
    description: `stop and remove vbmcd, ${VENV} and ${conf}`,
    async apply(ctx) {
      await runScript(ctx, REMOVE_VBMC, [VBMCD_UNIT, VENV, conf, ...vbmcLinks(vbmc)], {
        purpose: "remove VirtualBMC",
      });
    },
  };
}

/** Drop our files of the bridge, the bridge itself, and its qemu allow line; members fall back to their own config. */
const REMOVE_BRIDGE = bash`set -uo pipefail
family=$1 br=$2 dir=$3 conf=$4
members=$(ip -o link show master "$br" 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1)
if [ "$family" = debian ]; then
  rm -f -- "$dir/50-lab-$br.netdev" "$dir/50-lab-$br.network" "$dir"/50-lab-"$br"-*.network
  networkctl reload 2>/dev/null || true
else
  for c in $(nmcli -g NAME connection show 2>/dev/null | grep -x -e "lab-$br" -e "lab-$br-.*"); do nmcli connection delete "$c" || true; done
  rm -f -- "$dir/lab-$br.nmconnection" "$dir"/lab-"$br"-*.nmconnection
fi
ip link show dev "$br" >/dev/null 2>&1 && ip link del dev "$br"
if [ -f "$conf" ]; then awk -v b="$br" '!($1=="allow" && $2==b)' "$conf" >"$conf.tmp" && mv -f "$conf.tmp" "$conf"; fi
if [ "$family" = debian ] && [ -n "$members" ]; then networkctl reconfigure $members 2>/dev/null || true; fi
exit 0`;

function bridgeCleanup(family: Family, name: string): Step {
  const dir = family === "debian" ? NETWORKD_DIR : NM_DIR;
  return {
    id: `cleanup/bridge/${name}`,
    description: `remove bridge ${name} and its persistent configuration`,
    async apply(ctx) {
      await runScript(ctx, REMOVE_BRIDGE, [family, name, dir, qemuBridgeConf(family)], {
        purpose: `remove bridge ${name}`,
      });
    },
  };
}

function sudoersCleanup(path: string): Step {
  return {
    id: `cleanup/sudoers/${path.slice(path.lastIndexOf("/") + 1)}`,
    description: `remove ${path}`,
    async apply(ctx) {
      await ctx.host.exec(["rm", "-f", "--", path], { purpose: "remove sudoers file", sudo: true });
    },
  };
}

/** userdel refuses while the user has processes (sessions, its systemd --user): end them first. */
const DELETE_USER =
  POLL_UNTIL +
  bash`set -uo pipefail
user=$1
getent passwd "$user" >/dev/null || exit 0
loginctl terminate-user "$user" 2>/dev/null
no_processes_left() { pkill -KILL -u "$user"; ! pgrep -u "$user"; }
poll_until 30 no_processes_left || { echo "processes of $user survive SIGKILL" >&2; exit 1; }
userdel -r "$user"`;

function userCleanup(name: string): Step {
  return {
    id: `cleanup/user/${name}`,
    description: `delete user ${name} and its home`,
    async apply(ctx) {
      await runScript(ctx, DELETE_USER, [name], { purpose: `delete user ${name}` });
    },
  };
}

function bridgeExists(family: Family, name: string, facts: ManagerFacts): boolean {
  const prefix = family === "debian" ? `${NETWORKD_DIR}/50-lab-${name}` : `${NM_DIR}/lab-${name}`;
  return findLink(facts, name) !== undefined || Object.keys(facts.files).some((f) => f.startsWith(prefix));
}

/**
 * Undo what this object created, and nothing else: only resources listed in `owned`
 * (recorded before each creating step ran), and only those still present. Packages
 * stay installed: removing libvirt or qemu would take down work that is not ours.
 */
export function planManagerCleanup(
  spec: LabManagerSpec,
  facts: ManagerFacts,
  owned: readonly OwnedResource[],
): Step[] {
  const family = resolveFamily(spec, facts);
  const steps: Step[] = [];
  const has = (kind: OwnedResource["kind"]) => owned.filter((o) => o.kind === kind).map((o) => o.name);
  if (
    has("vbmcd").length &&
    (facts.vbmcVersion || VBMCD_UNIT in facts.files || facts.services.vbmcd.active === "active")
  ) {
    steps.push(vbmcCleanup(spec.virtualBMC));
  }
  for (const br of has("bridge")) if (bridgeExists(family, br, facts)) steps.push(bridgeCleanup(family, br));
  // Facts cover only the spec's user; another name (the spec changed since) is removed blindly.
  const observedSudoers = sudoersPath(facts.user.name);
  for (const path of has("sudoers")) {
    if (!path.startsWith("/etc/sudoers.d/lab-operator-")) continue;
    if (path !== observedSudoers || path in facts.files) steps.push(sudoersCleanup(path));
  }
  for (const user of has("user")) {
    if (user !== facts.user.name || facts.user.exists) steps.push(userCleanup(user));
  }
  for (const path of has("file")) steps.push(fileCleanup(path));
  return steps;
}

function fileCleanup(path: string): Step {
  return {
    id: `cleanup/file${path}`,
    description: `remove ${path}`,
    async apply(ctx) {
      await ctx.host.exec(["rm", "-f", "--", path], { purpose: `remove ${path}`, sudo: true });
    },
  };
}
