import { randomBytes } from "node:crypto";
import { bash } from "../bash.js";
import { runScript } from "../run.js";
import type { Step, StepContext } from "../types.js";
import type { LiveUpdate } from "./diff.js";
import { LIBVIRT_URI, NETWORK_HOOK } from "./paths.js";

/**
 * Lifecycle verbs that check before acting, so each is safe to re-run: start only an
 * inactive network, destroy only an active one, undefine only an existing one. With a
 * guard ($4 kind, $5 namespace, $6 name, $7 "adopt" when an unstamped network may go too),
 * the stamp in the persistent definition is checked again right before acting, and a
 * network that is not ours is refused (exit 6).
 */
export const NETWORK_CTL = bash`set -euo pipefail
uri=$1 op=$2 net=$3 kind=\${4:-} namespace=\${5:-} name=\${6:-} adopt=\${7:-}
v() { virsh -q -c "$uri" "$@"; }
active() { v net-info --network "$net" 2>/dev/null | awk -F': *' '$1=="Active" {print $2}'; }
ours() {
  local xml stamp
  xml=$(v net-dumpxml --inactive --network "$net" 2>/dev/null) || return 0
  stamp=$(grep -o '<[^<>]*owner [^<>]*"https://openstacklab.io/ownership"[^<>]*>' <<<"$xml" | head -n1) || true
  if [ -z "$stamp" ]; then [ "$adopt" = adopt ]; return; fi
  [[ $stamp == *" kind=\"$kind\""* && $stamp == *" namespace=\"$namespace\""* && $stamp == *" name=\"$name\""* ]]
}
if [ -n "$kind" ] && ! ours; then
  echo "libvirt network $net is not stamped by $kind $namespace/$name: not touched" >&2
  exit 6
fi
case $op in
  start) if [ "$(active)" != yes ]; then v net-start --network "$net"; fi ;;
  destroy) if [ "$(active)" = yes ]; then v net-destroy --network "$net"; fi ;;
  undefine) if [ -n "$(active)" ]; then v net-undefine --network "$net"; fi ;;
  autostart) v net-autostart --network "$net" ;;
  no-autostart) v net-autostart --network "$net" --disable ;;
  *) echo "unknown operation: $op" >&2; exit 2 ;;
esac`;

type CtlOp = "start" | "destroy" | "undefine" | "autostart" | "no-autostart";

/** Who must have stamped the network for a step to act on it (cleanup re-checks on the host). */
export interface OwnerGuard {
  kind: string;
  namespace: string;
  name: string;
  /** An unstamped network may go too (spec.adopt). */
  adopt: boolean;
}

function ctl(ctx: StepContext, op: CtlOp, network: string, guard?: OwnerGuard): Promise<unknown> {
  const g = guard ? [guard.kind, guard.namespace, guard.name, guard.adopt ? "adopt" : ""] : [];
  return runScript(ctx, NETWORK_CTL, [LIBVIRT_URI, op, network, ...g], {
    purpose: `virsh ${op} network ${network}`,
    timeoutMs: 120_000,
  });
}

function withDrift(step: Step, drift: string | undefined): Step {
  return drift ? { ...step, drift } : step;
}

/** Write the full definition: upload to a private temp file, `virsh net-define`, remove it. */
export function defineStep(network: string, xml: string, description: string, drift?: string): Step {
  return withDrift(
    {
      id: `network/${network}/define`,
      description,
      async apply(ctx) {
        const path = `/tmp/lab-operator-network-${network}-${randomBytes(6).toString("hex")}.xml`;
        await ctx.host.upload(path, xml, { mode: 0o600, purpose: `upload network ${network} definition` });
        try {
          await ctx.host.exec(["virsh", "-q", "-c", LIBVIRT_URI, "net-define", "--file", path], {
            purpose: `define network ${network}`,
            sudo: true,
          });
        } finally {
          await ctx.host.exec(["rm", "-f", "--", path], {
            purpose: "remove uploaded definition",
            sudo: true,
            allowFailure: true,
          });
        }
      },
    },
    drift,
  );
}

export function ctlStep(
  op: CtlOp,
  network: string,
  description: string,
  drift?: string,
  guard?: OwnerGuard,
): Step {
  return withDrift(
    {
      id: `network/${network}/${op}`,
      description,
      apply: (ctx) => ctl(ctx, op, network, guard).then(() => undefined),
    },
    drift,
  );
}

/** One `virsh net-update ... --live --config`: the running network and its definition together. */
export function liveUpdateStep(network: string, u: LiveUpdate, index: number, drift?: string): Step {
  return withDrift(
    {
      id: `network/${network}/update/${index}`,
      description: `${u.description} on network ${network} (live, no restart)`,
      async apply(ctx) {
        await ctx.host.exec(
          [
            "virsh",
            "-q",
            "-c",
            LIBVIRT_URI,
            "net-update",
            "--network",
            network,
            "--command",
            u.command,
            "--section",
            u.section,
            "--xml",
            u.xml,
            "--live",
            "--config",
          ],
          { purpose: `update network ${network} live (${u.section})`, sudo: true },
        );
      },
    },
    drift,
  );
}

/**
 * Replace this network's lines of the shared hook config (other networks' lines kept, all
 * sorted under the header), and when the network runs, re-run the hook around the change so
 * old rules go and new ones come now rather than at the next start. stdin: our lines.
 */
const EDIT_HOOK_CONFIG = bash`set -euo pipefail
conf=$1 net=$2 hook=$3 active=$4 header=$5
runHook() { if [ "$active" = true ] && [ -x "$hook" ]; then "$hook" "$net" "$1" begin - </dev/null; fi; }
mine=$(cat)
runHook stopped
mkdir -p "$(dirname "$conf")"
tmp=$(mktemp "$conf.lab-operator.XXXXXX")
trap 'rm -f "$tmp"' EXIT
others() { if [ -r "$conf" ]; then awk -v n="$net" 'NF && $1 !~ /^#/ && $1 != n' "$conf"; fi; }
{
  printf '%s' "$header"
  { others; if [ -n "$mine" ]; then printf '%s\n' "$mine"; fi; } | LC_ALL=C sort -u
} >"$tmp"
chmod 0644 "$tmp"
mv -f "$tmp" "$conf"
trap - EXIT
runHook started`;

export interface HookEntry {
  configFile: string;
  /** The config's header (comment lines, newline-terminated). */
  header: string;
  /** "NETWORK SUBNET" lines of this network; empty removes its entry. */
  lines: string[];
  /** Re-run the hook now (the network is active). */
  active: boolean;
}

export function hookEntryStep(network: string, entry: HookEntry, description: string, drift?: string): Step {
  return withDrift(
    {
      id: `network/${network}/masquerade`,
      description,
      async apply(ctx) {
        await runScript(
          ctx,
          EDIT_HOOK_CONFIG,
          [entry.configFile, network, NETWORK_HOOK, String(entry.active), entry.header],
          {
            purpose: `update the network hook entry of ${network}`,
            stdin: entry.lines.join("\n"),
          },
        );
      },
    },
    drift,
  );
}
