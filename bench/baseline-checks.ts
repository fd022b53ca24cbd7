/**
 * The no-op reconcile baseline: the checks our observe scripts make
 * (src/steps/labmanager/observe-script.ts, src/steps/network/observe-script.ts), each as
 * its own command, to be run the way the tutorial's scripts ran them: one fresh `ssh`
 * process per check, one after the other. Where our script loops (packages, services,
 * files, other networks, domains) the baseline has one check per item, as `dpkg -s pkg`,
 * `systemctl is-active svc` lines in a script would.
 */
import type { LabManagerSpec } from "../src/api/labmanager.js";
import { RC_START } from "../src/steps/labmanager/content.js";
import { DEBIAN_PACKAGES } from "../src/steps/labmanager/packages.js";
import { VENV, watchedFiles } from "../src/steps/labmanager/paths.js";
import { DEFAULT_HOOK_CONFIG, LIBVIRT_URI, NETWORK_HOOK } from "../src/steps/network/paths.js";

const SERVICES = [
  "libvirtd",
  "libvirtd.socket",
  "virtlogd.socket",
  "vbmcd",
  "systemd-networkd",
  "NetworkManager",
];

export function managerChecks(spec: LabManagerSpec): string[][] {
  const user = spec.user.name;
  const home = `/home/${user}`;
  return [
    ["cat", "/etc/os-release"],
    ["sh", "-c", "command -v apt-get"],
    ["sh", "-c", "command -v dpkg-query"],
    ...[...new Set([...DEBIAN_PACKAGES, ...spec.packages])].map((p) => [
      "dpkg-query",
      "-W",
      "-f",
      "${Status}",
      p,
    ]),
    ["find", "/var/lib/apt/lists", "-maxdepth", "1", "-name", "*Packages*", "-printf", "%T@\\n"],
    ["test", "-d", "/run/systemd/system"],
    ...SERVICES.flatMap((s) => [
      ["systemctl", "is-active", s],
      ["systemctl", "is-enabled", s],
    ]),
    ["timedatectl", "show", "-p", "Timezone", "--value"],
    ["getent", "passwd", user],
    ["stat", "-c", "%a", home],
    ["getent", "shadow", user],
    ["cat", `${home}/.ssh/authorized_keys`],
    ["grep", "-cxF", "--", RC_START, `${home}/.bashrc`],
    ...watchedFiles(spec).map((f) => ["sh", "-c", 'sha256sum "$1" && stat -c "%a %U:%G" "$1"', "sh", f]),
    [
      "sh",
      "-c",
      "ls /etc/systemd/network/50-lab-* /etc/NetworkManager/system-connections/lab-*.nmconnection",
    ],
    ["ip", "-d", "-j", "addr", "show"],
    ["ip", "-j", "route", "show", "default"],
    ["sh", "-c", 'ip -j route get "${SSH_CONNECTION%% *}"'],
    ["cat", "/etc/qemu/bridge.conf"],
    ["sh", "-c", `ls -d ${VENV}/lib/python3*/site-packages/virtualbmc-*.dist-info`],
  ];
}

/** otherNetworks and domains: what the Manager holds now (our script loops over them). */
export function networkChecks(name: string, otherNetworks: string[], domains: string[]): string[][] {
  const v = (...args: string[]) => ["virsh", "-q", "-c", LIBVIRT_URI, ...args];
  return [
    v("uri"),
    v("net-info", "--network", name),
    v("net-dumpxml", "--inactive", "--network", name),
    v("net-list", "--name"),
    ...otherNetworks.map((o) => v("net-dumpxml", "--network", o)),
    v("list", "--all", "--name"),
    ...domains.map((d) => v("domiflist", "--domain", d)),
    ["test", "-x", NETWORK_HOOK],
    ["cat", DEFAULT_HOOK_CONFIG],
    ["iptables", "-w", "5", "-t", "nat", "-S", "POSTROUTING"],
  ];
}
