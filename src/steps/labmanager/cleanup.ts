import type { LabManagerSpec } from "../../api/labmanager.js";
import { bash, POLL_UNTIL } from "../bash.js";
import { runScript } from "../run.js";
import type { OwnedResource, Step } from "../types.js";
import { vbmcConfPath, vbmcLinks } from "./content.js";
import { BRIDGE_FILE_HEADER } from "./bridge-files.js";
import { findLink, type ManagerFacts } from "./facts.js";
import { resolveFamily } from "./family.js";
import {
  type Family,
  NETWORK_HOOK,
  NETWORKD_DIR,
  NM_DIR,
  VBMCD_UNIT,
  VENV,
  networkdNetdev,
  networkdNetwork,
  nmBridge,
  qemuBridgeConf,
  sudoersPath,
  watchedFiles,
} from "./paths.js";
import { restoreDefaultNetworkStep } from "./default-network.js";
import { openstackClientsRemovalStep } from "./openstack-clients.js";
import { networkHookCleanupStep } from "./system.js";

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

export function vbmcCleanup(vbmc: LabManagerSpec["virtualBMC"]): Step {
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

/**
 * Drop our files of the bridge, the bridge itself, and its qemu allow line; members fall
 * back to their own config. A member file is ours for this bridge only when it starts with
 * our header and names the bridge inside (Bridge= / master=): the glob 50-lab-public-* also
 * matches bridge public-x's files, which stay. Args: $1 family, $2 bridge, $3 dir,
 * $4 qemu bridge.conf, $5 our header line.
 */
export const REMOVE_BRIDGE = bash`set -uo pipefail
family=$1 br=$2 dir=$3 conf=$4 header=$5
members=$(ip -o link show master "$br" 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1)
member_of_br() { [ -f "$1" ] && [ "$(head -n1 "$1")" = "$header" ] && grep -qxF -e "Bridge=$br" -e "master=$br" -- "$1"; }
if [ "$family" = debian ]; then
  rm -f -- "$dir/50-lab-$br.netdev" "$dir/50-lab-$br.network"
  for f in "$dir"/00-lab-"$br"-*.network "$dir"/50-lab-"$br"-*.network; do member_of_br "$f" && rm -f -- "$f"; done
  networkctl reload 2>/dev/null || true
else
  files=("$dir/lab-$br.nmconnection")
  for f in "$dir"/lab-"$br"-*.nmconnection; do member_of_br "$f" && files+=("$f"); done
  for f in "\${files[@]}"; do
    [ -f "$f" ] || continue
    id=$(sed -n 's/^id=//p' "$f" | head -n1)
    [ -n "$id" ] && { nmcli connection delete id "$id" 2>/dev/null || true; }
    rm -f -- "$f"
  done
  nmcli connection delete id "lab-$br" 2>/dev/null || true
  # Port profiles NM holds without our file: only those enslaved to this very bridge.
  while IFS= read -r c; do
    case $c in
      "lab-$br-"*) [ "$(nmcli -g connection.master connection show id "$c" 2>/dev/null)" = "$br" ] &&
        { nmcli connection delete id "$c" 2>/dev/null || true; } ;;
    esac
  done < <(nmcli -g NAME connection show 2>/dev/null)
fi
ip link show dev "$br" >/dev/null 2>&1 && ip link del dev "$br"
if [ -f "$conf" ]; then awk -v b="$br" '!($1=="allow" && $2==b)' "$conf" >"$conf.tmp" && mv -f "$conf.tmp" "$conf"; fi
if [ "$family" = debian ] && [ -n "$members" ]; then networkctl reconfigure $members 2>/dev/null || true; fi
exit 0`;

export function bridgeCleanup(family: Family, name: string): Step {
  const dir = family === "debian" ? NETWORKD_DIR : NM_DIR;
  return {
    id: `cleanup/bridge/${name}`,
    description: `remove bridge ${name} and its persistent configuration`,
    async apply(ctx) {
      await runScript(ctx, REMOVE_BRIDGE, [family, name, dir, qemuBridgeConf(family), BRIDGE_FILE_HEADER], {
        purpose: `remove bridge ${name}`,
      });
    },
  };
}

export function sudoersCleanup(path: string): Step {
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

/** The bridge's link, or a file of ours for it (by content: bridge public-x's files are not public's). */
export function bridgeExists(family: Family, name: string, facts: ManagerFacts): boolean {
  const own = family === "debian" ? [networkdNetdev(name), networkdNetwork(name)] : [nmBridge(name)];
  return (
    findLink(facts, name) !== undefined ||
    own.some((f) => f in facts.files) ||
    Object.values(facts.bridgeOf).includes(name)
  );
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
  // A user we delete takes its venv with it; a user we did not create keeps theirs minus ours.
  const clients = facts.user.openstackClients;
  for (const user of has("openstack-clients")) {
    if (has("user").includes(user) || user !== facts.user.name || !(clients.openstack || clients.heat))
      continue;
    steps.push(openstackClientsRemovalStep(user, "the LabManager is deleted"));
  }
  for (const record of owned.filter((o) => o.kind === "libvirt-default-network")) {
    const step = restoreDefaultNetworkStep(record);
    if (step) steps.push(step);
  }
  // A watched file that is gone needs nothing; an unwatched one is removed blindly (rm -f).
  const watched = new Set(watchedFiles(spec));
  for (const path of has("file")) {
    if (watched.has(path) && !(path in facts.files)) continue;
    if (path === NETWORK_HOOK) steps.push(networkHookCleanupStep(spec.networkHook.configFile));
    else steps.push(fileCleanup(path));
  }
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
