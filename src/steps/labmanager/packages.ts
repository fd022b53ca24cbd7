import type { LabManagerSpec } from "../../api/labmanager.js";
import { bash } from "../bash.js";
import { runScript } from "../run.js";
import type { Step } from "../types.js";
import type { Family } from "./paths.js";

/** The hypervisor set per family (the seed's list, in each family's package names). */
export const DEBIAN_PACKAGES = [
  "libvirt-daemon-system",
  "libvirt-clients",
  "qemu-system-x86",
  "qemu-utils",
  "virtinst",
  "cloud-image-utils",
  "genisoimage",
  "ipmitool",
  "dnsmasq-base",
  "iptables",
  "python3-pip",
  "python3-venv",
  "python3-dev",
  "python3-libvirt",
  "libvirt-dev",
  "libssl-dev",
  "gcc",
  "wget",
  "bash-completion",
] as const;

/** epel-release comes first: cloud-utils and ipmitool extras live in EPEL. */
export const EL_PACKAGES = [
  "epel-release",
  "qemu-kvm",
  "libvirt",
  "virt-install",
  "cloud-utils",
  "ipmitool",
  "python3-pip",
  "python3-devel",
  "python3-libvirt",
  "libvirt-devel",
  "openssl-devel",
  "gcc",
  "wget",
  "bash-completion",
] as const;

export function desiredPackages(family: Family, spec: LabManagerSpec): string[] {
  const el = spec.repositories.epel ? EL_PACKAGES : EL_PACKAGES.filter((p) => p !== "epel-release");
  const base: readonly string[] = family === "debian" ? DEBIAN_PACKAGES : el;
  return [...new Set([...base, ...spec.packages])];
}

/** apt lists older than this are refreshed before installing. */
export const APT_LISTS_MAX_AGE_SECONDS = 24 * 3600;

/**
 * Install the given packages ($3...) only if still missing; $1 = "update" refreshes the
 * lists first, $2 = "upgrade" upgrades the system. A stale mirror ("Unable to locate",
 * 404) triggers one refresh and retry.
 */
const APT_INSTALL = bash`set -uo pipefail
export DEBIAN_FRONTEND=noninteractive
opts=(-y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold -o DPkg::Lock::Timeout=300)
update=$1 upgrade=$2; shift 2
# A run killed midway (operator or connection lost) can leave dpkg half-done: finish it
# first, unless another apt or dpkg still runs (apt then waits for its lock above).
if [ -n "$(ls -A /var/lib/dpkg/updates 2>/dev/null)" ] && ! cat /proc/[0-9]*/comm 2>/dev/null | grep -qxE 'apt-get|dpkg'; then
  dpkg --configure -a || exit $?
fi
if [ "$update" = update ]; then apt-get -q update || exit $?; fi
if [ "$upgrade" = upgrade ]; then apt-get "\${opts[@]}" dist-upgrade || exit $?; fi
missing=()
for p in "$@"; do dpkg-query -W -f '\${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii' || missing+=("$p"); done
[ \${#missing[@]} -eq 0 ] && exit 0
log=$(mktemp); trap 'rm -f "$log"' EXIT
apt-get "\${opts[@]}" --no-install-recommends install "\${missing[@]}" 2>&1 | tee "$log"
[ "\${PIPESTATUS[0]}" -eq 0 ] && exit 0
grep -qE 'Unable to locate|404 +Not Found|has no installation candidate' "$log" || exit 1
apt-get -q update && apt-get "\${opts[@]}" --no-install-recommends install "\${missing[@]}"`;

/** Same contract for dnf; EPEL must be installed in its own transaction first. */
const DNF_INSTALL = bash`set -uo pipefail
upgrade=$2; shift 2
if [ "$upgrade" = upgrade ]; then dnf -y upgrade || exit $?; fi
missing=()
for p in "$@"; do rpm -q "$p" >/dev/null 2>&1 || missing+=("$p"); done
[ \${#missing[@]} -eq 0 ] && exit 0
if printf '%s\n' "\${missing[@]}" | grep -qx epel-release; then dnf -y install epel-release || exit $?; fi
dnf -y install "\${missing[@]}"`;

export function installScript(family: Family): string {
  return family === "debian" ? APT_INSTALL : DNF_INSTALL;
}

export function packagesStep(
  family: Family,
  missing: string[],
  opts: { update: boolean; upgrade: boolean },
): Step {
  const what = missing.length ? `install ${missing.length} packages: ${missing.join(" ")}` : "";
  const description = [opts.upgrade ? "upgrade the system" : "", what].filter(Boolean).join(", then ");
  return {
    id: "packages",
    description,
    async apply(ctx) {
      const args = [opts.update ? "update" : "-", opts.upgrade ? "upgrade" : "-", ...missing];
      await runScript(ctx, installScript(family), args, {
        purpose: "install packages",
        timeoutMs: 60 * 60 * 1000,
        progress: true,
      });
    },
  };
}
