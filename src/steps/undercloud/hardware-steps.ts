import { element } from "../../render/xml.js";
import { bash, POLL_UNTIL } from "../bash.js";
import { runScript } from "../run.js";
import type { Step, StepContext } from "../types.js";
import { LIBOSINFO_NS, type ObservedNic } from "./hardware-facts.js";
import { LIBVIRT_URI } from "./paths.js";
import { WAIT_FOR_ADDRESS } from "./vm-scripts.js";

/**
 * How long a restart waits for the guest to power off after the ACPI shutdown request before
 * it forces the VM off (`virsh destroy`), as nova does after its shutdown_timeout: a guest
 * that ignores ACPI (no acpid; our imitation test guest) would otherwise never restart.
 */
export const SHUTDOWN_TIMEOUT_SECONDS = 120;

const MINUTE = 60_000;

/**
 * Changes of a domain's saved definition (`--config`: the running VM keeps what it has until
 * it is shut down and started) and of its disk. Each op checks before acting, so a re-run
 * after a crash does no harm. Args: $1 URI, $2 op, $3 domain, then per op:
 * vcpus N | memory KiB | nic-update XML | nic-attach NETWORK MODEL | nic-detach TYPE MAC |
 * osinfo XML ("" removes) NAMESPACE | grow-disk PATH BYTES | restart TIMEOUT.
 */
export const HARDWARE_CTL =
  POLL_UNTIL +
  bash`set -euo pipefail
uri=$1 op=$2 dom=$3
shift 3
v() { virsh -q -c "$uri" "$@"; }
state() { v domstate --domain "$dom" 2>/dev/null | head -n1; }
is_off() { [ "$(state)" = "shut off" ]; }
case $op in
  vcpus)
    n=$1 max=$(v vcpucount --domain "$dom" --config --maximum)
    if [ "$n" -gt "$max" ]; then v setvcpus --domain "$dom" --count "$n" --config --maximum; fi
    v setvcpus --domain "$dom" --count "$n" --config
    if [ "$n" -lt "$max" ]; then v setvcpus --domain "$dom" --count "$n" --config --maximum; fi ;;
  memory)
    # The maximum first: libvirt lowers the current memory with it, and refuses a current above it.
    v setmaxmem --domain "$dom" --size "$1" --config
    v setmem --domain "$dom" --size "$1" --config ;;
  nic-update)
    xml=$(mktemp); trap 'rm -f "$xml"' EXIT
    printf '%s\n' "$1" >"$xml"
    v update-device --domain "$dom" --file "$xml" --config ;;
  nic-attach) v attach-interface --domain "$dom" --type network --source "$1" --model "$2" --config ;;
  nic-detach) v detach-interface --domain "$dom" --type "$1" --mac "$2" --config ;;
  osinfo)
    live=(); [ "$(state)" = running ] && live=(--live)
    if [ -n "$1" ]; then
      v metadata --domain "$dom" --uri "$2" --key libosinfo --set "$1" --config "\${live[@]}"
    else
      v metadata --domain "$dom" --uri "$2" --remove --config "\${live[@]}"
    fi ;;
  grow-disk)
    disk=$1 want=$2
    have=$(v domblkinfo --domain "$dom" "$disk" | awk '$1=="Capacity:" {print $2; exit}')
    if [ "$want" -lt "$have" ]; then echo "$disk has $have bytes, more than $want: a disk is never shrunk" >&2; exit 7; fi
    if [ "$want" -gt "$have" ]; then
      if [ "$(state)" = running ]; then v blockresize --domain "$dom" --path "$disk" --size "\${want}B"
      else qemu-img resize -q "$disk" "$want"; fi
    fi ;;
  restart)
    if [ "$(state)" = running ]; then
      v shutdown --domain "$dom" >/dev/null
      if ! poll_until "$1" is_off; then
        echo "VM $dom did not power off within $1 s of the ACPI shutdown request: forcing it off" >&2
        v destroy --domain "$dom" >/dev/null
      fi
    fi
    [ "$(state)" = running ] || v start --domain "$dom" ;;
  *) echo "unknown operation: $op" >&2; exit 2 ;;
esac`;

function hw(ctx: StepContext, op: string, domain: string, args: string[], purpose: string): Promise<unknown> {
  return runScript(ctx, HARDWARE_CTL, [LIBVIRT_URI, op, domain, ...args], { purpose, timeoutMs: 5 * MINUTE });
}

function step(id: string, description: string, op: string, domain: string, args: string[]): Step {
  return {
    id,
    description,
    apply: (ctx) => hw(ctx, op, domain, args, description).then(() => undefined),
  };
}

export function vcpusStep(domain: string, vcpus: number, was: string): Step {
  return step(
    "vm/vcpus",
    `set ${vcpus} vCPUs in the saved definition of ${domain} (was ${was})`,
    "vcpus",
    domain,
    [String(vcpus)],
  );
}

export function memoryStep(domain: string, memoryMiB: number, was: string): Step {
  return step(
    "vm/memory",
    `set ${memoryMiB} MiB of memory in the saved definition of ${domain} (was ${was})`,
    "memory",
    domain,
    [`${memoryMiB * 1024}KiB`],
  );
}

/** The NIC rewritten in place: same MAC and PCI address (the guest keeps its NIC names). */
export function nicUpdateStep(
  domain: string,
  index: number,
  nic: ObservedNic,
  network: string,
  model: string,
): Step {
  const xml = element("interface", { type: "network" }, [
    element("mac", { address: nic.mac }),
    element("source", { network }),
    element("model", { type: model }),
    ...(nic.address ? [element("address", nic.address)] : []),
  ]);
  const was = nic.network === network ? `model ${nic.model}` : `network ${nic.network}`;
  return step(
    `vm/nic/${index + 1}`,
    `connect NIC ${index + 1} (${nic.mac}) of ${domain} to network ${network} (${model}) in its saved definition (was ${was})`,
    "nic-update",
    domain,
    [xml],
  );
}

export function nicAttachStep(domain: string, index: number, network: string, model: string): Step {
  return step(
    `vm/nic/${index + 1}`,
    `add NIC ${index + 1} on network ${network} (${model}) to the saved definition of ${domain}`,
    "nic-attach",
    domain,
    [network, model],
  );
}

export function nicDetachStep(domain: string, index: number, nic: ObservedNic): Step {
  const type = nic.network.includes(":") ? nic.network.slice(0, nic.network.indexOf(":")) : "network";
  return step(
    `vm/nic/${index + 1}`,
    `remove NIC ${index + 1} (${nic.mac}, ${nic.network}) from the saved definition of ${domain}: spec.nics has ${index}`,
    "nic-detach",
    domain,
    [type, nic.mac],
  );
}

/**
 * `virsh metadata --set` takes the element without a namespace: libvirt puts it and all its
 * children into --uri under the --key prefix (it refuses XML that declares the namespace).
 */
export function osinfoStep(domain: string, id: string | undefined, was: string): Step {
  return step(
    "vm/osinfo",
    id
      ? `record OS ${id} in the libosinfo metadata of ${domain} (was ${was})`
      : `remove the libosinfo metadata (${was}) of ${domain}: spec.osVariant is generic`,
    "osinfo",
    domain,
    [id ? element("libosinfo", {}, [element("os", { id })]) : "", LIBOSINFO_NS],
  );
}

export function growDiskStep(
  domain: string,
  disk: string,
  bytes: number,
  size: string,
  was: string,
  running: boolean,
): Step {
  return step(
    "vm/disk-size",
    `grow ${disk} from ${was} to ${size} (${running ? "virsh blockresize, live" : "qemu-img resize"})`,
    "grow-disk",
    domain,
    [disk, String(bytes)],
  );
}

/** Shut down (ACPI; forced off after the bound), start, and wait for SSH to answer again. */
export function restartStep(domain: string, fields: string[], bootTimeoutSeconds: number): Step {
  return {
    id: "vm/restart",
    description: `restart ${domain} to apply ${fields.join(", ")} (spec.updatePolicy: Restart): ACPI shutdown, forced off after ${SHUTDOWN_TIMEOUT_SECONDS} s, then start and wait for SSH`,
    async apply(ctx) {
      await hw(ctx, "restart", domain, [String(SHUTDOWN_TIMEOUT_SECONDS)], `restart ${domain}`);
      await runScript(ctx, WAIT_FOR_ADDRESS, [LIBVIRT_URI, domain, String(bootTimeoutSeconds)], {
        purpose: `wait for ${domain} to boot`,
        timeoutMs: (bootTimeoutSeconds + 30) * 1000,
      });
    },
  };
}
