import type { LabManagerSpec } from "../../api/labmanager.js";
import { bash } from "../bash.js";
import { runScript } from "../run.js";
import type { Step } from "../types.js";
import type { Family } from "./paths.js";
import { qemuPackage, REPOSITORY_PACKAGES } from "./repositories.js";

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

/** The EL set; the repositories step installs epel-release (and a newer qemu) before it. */
export const EL_PACKAGES = [
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

/** CentOS 7 names: its qemu-ev build, and EPEL's python 3 binding of libvirt. */
const EL7_NAMES: Readonly<Record<string, string>> = { "python3-libvirt": "python36-libvirt" };

/** The EL set on this major release (0 when unknown: the EL 8/9 names). */
function elPackages(spec: LabManagerSpec, major: number): string[] {
  return EL_PACKAGES.map((p) => {
    if (p === "qemu-kvm") return qemuPackage(spec, major);
    return major === 7 ? (EL7_NAMES[p] ?? p) : p;
  });
}

/** Every EL name the plan may want, for observe to look up with one rpm -q. */
export const EL_OBSERVED_PACKAGES = [
  ...new Set([...EL_PACKAGES, ...REPOSITORY_PACKAGES, "qemu-kvm-ev", ...Object.values(EL7_NAMES)]),
];

export function desiredPackages(family: Family, spec: LabManagerSpec, elMajor = 0): string[] {
  const base: readonly string[] = family === "debian" ? DEBIAN_PACKAGES : elPackages(spec, elMajor);
  return [...new Set([...base, ...spec.packages])];
}

/** dnf, or yum on CentOS 7 (observed); dnf when observe could not tell. */
export type ElPackageManager = "dnf" | "yum";

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
if [ -n "$(ls -A /var/lib/dpkg/updates 2>/dev/null)" ] && ! grep -qsxE 'apt-get|dpkg' /proc/[0-9]*/comm; then
  dpkg --configure -a || exit $?
fi
if [ "$update" = update ]; then apt-get -q update || exit $?; fi
if [ "$upgrade" = upgrade ]; then apt-get "\${opts[@]}" dist-upgrade || exit $?; fi
missing=()
for p in "$@"; do [[ "$(dpkg-query -W -f '\${db:Status-Abbrev}' "$p" 2>/dev/null)" == ii* ]] || missing+=("$p"); done
[ \${#missing[@]} -eq 0 ] && exit 0
log=$(mktemp); trap 'rm -f "$log"' EXIT
apt-get "\${opts[@]}" --no-install-recommends install "\${missing[@]}" 2>&1 | tee "$log"
[ "\${PIPESTATUS[0]}" -eq 0 ] && exit 0
grep -qE 'Unable to locate|404 +Not Found|has no installation candidate' "$log" || exit 1
apt-get -q update && apt-get "\${opts[@]}" --no-install-recommends install "\${missing[@]}"`;

/**
 * Same contract for EL: $1 is the package manager (dnf, or yum on CentOS 7). Afterwards
 * every package must be installed: yum exits 0 when a name has no package at all.
 */
export const RPM_INSTALL = bash`set -uo pipefail
pm=$1 upgrade=$2; shift 2
case $pm in dnf|yum) ;; *) echo "unknown package manager: $pm" >&2; exit 2 ;; esac
if [ "$upgrade" = upgrade ]; then "$pm" -y upgrade || exit $?; fi
missing=()
for p in "$@"; do rpm -q "$p" >/dev/null 2>&1 || missing+=("$p"); done
[ \${#missing[@]} -eq 0 ] && exit 0
"$pm" -y install "\${missing[@]}" || exit $?
absent=()
for p in "\${missing[@]}"; do rpm -q "$p" >/dev/null 2>&1 || absent+=("$p"); done
[ \${#absent[@]} -eq 0 ] || { echo "$pm installed nothing for: \${absent[*]}" >&2; exit 1; }`;

export function installScript(family: Family): string {
  return family === "debian" ? APT_INSTALL : RPM_INSTALL;
}

export function packagesStep(
  family: Family,
  missing: string[],
  opts: { update: boolean; upgrade: boolean; pm?: ElPackageManager; onUpgraded?: () => void },
): Step {
  const pm = opts.pm ?? "dnf";
  const what = missing.length ? `install ${missing.length} packages: ${missing.join(" ")}` : "";
  const by = family === "el" ? ` with ${pm}` : "";
  const description = [opts.upgrade ? "upgrade the system" : "", what].filter(Boolean).join(", then ") + by;
  return {
    id: "packages",
    description,
    async apply(ctx) {
      const first = family === "debian" ? (opts.update ? "update" : "-") : pm;
      const args = [first, opts.upgrade ? "upgrade" : "-", ...missing];
      await runScript(ctx, installScript(family), args, {
        purpose: "install packages",
        timeoutMs: 60 * 60 * 1000,
        progress: true,
      });
      if (opts.upgrade) opts.onUpgraded?.();
    },
  };
}

/**
 * Install the repository packages in their own transaction, before anything they serve.
 * A newer qemu enabled after qemu-kvm came from the base repository only takes effect
 * with an upgrade of it (EL 8; CentOS 7's qemu-kvm-ev replaces qemu-kvm on install).
 */
export function repositoriesStep(
  pm: ElPackageManager,
  missing: string[],
  opts: { upgradeQemu: boolean; drift?: string },
): Step {
  const then = opts.upgradeQemu ? ", then upgrade qemu-kvm from it" : "";
  return {
    id: "repositories",
    description: `install repository packages ${missing.join(" ")} with ${pm}${then}`,
    ...(opts.drift ? { drift: opts.drift } : {}),
    async apply(ctx) {
      await runScript(ctx, RPM_INSTALL, [pm, "-", ...missing], {
        purpose: "install repository packages",
        timeoutMs: 30 * 60 * 1000,
        progress: true,
      });
      if (!opts.upgradeQemu) return;
      await ctx.host.exec([pm, "-y", "upgrade", "qemu-kvm"], {
        purpose: "upgrade qemu-kvm from the newer qemu repository",
        sudo: true,
        timeoutMs: 30 * 60 * 1000,
      });
    },
  };
}
