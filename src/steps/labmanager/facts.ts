import { z } from "zod";

const service = z.object({ active: z.string(), enabled: z.string() });
const fileFact = z.object({ sha256: z.string(), mode: z.string(), owner: z.string() });

const addrInfo = z.object({ family: z.string(), local: z.string(), prefixlen: z.number() });
const link = z.object({
  ifname: z.string(),
  operstate: z.string().optional(),
  flags: z.array(z.string()).default([]),
  master: z.string().nullish(),
  linkinfo: z
    .object({
      info_kind: z.string().optional(),
      info_data: z
        .object({ stp_state: z.number().optional(), forward_delay: z.number().optional() })
        .optional(),
    })
    .optional(),
  addr_info: z.array(addrInfo).default([]),
});
export type LinkFact = z.infer<typeof link>;

/** What observeManager learns about the Manager in one round trip. */
export const managerFacts = z.object({
  os: z.object({ id: z.string(), idLike: z.string(), versionId: z.string() }),
  /** From the package manager present (apt → debian, dnf/yum → el); undefined when neither. */
  osFamily: z.preprocess((v) => (v === "" ? undefined : v), z.enum(["debian", "el"]).optional()),
  /** The EL package manager present: dnf (EL 8+), yum (CentOS 7), "" when neither. */
  elPackageManager: z.enum(["dnf", "yum", ""]).default(""),
  systemd: z.boolean(),
  /** The packages of the desired set (both families' lists) that are installed. */
  installed: z.array(z.string()),
  /** Age of the newest apt package list, -1 when there is none (or not Debian). */
  aptListsAgeSeconds: z.number(),
  services: z.object({
    libvirtd: service,
    /** Debian socket-activates libvirtd, which exits after 120 s idle (--timeout 120). */
    libvirtdSocket: service.default({ active: "unknown", enabled: "unknown" }),
    virtlogd: service,
    vbmcd: service,
    "systemd-networkd": service,
    NetworkManager: service,
  }),
  timezone: z.string(),
  user: z.object({
    name: z.string(),
    exists: z.boolean(),
    home: z.string(),
    homeMode: z.string(),
    shell: z.string(),
    hasPassword: z.boolean(),
    /**
     * The password against the desired one (crypt(3) on the Manager): unchecked when not asked
     * (or no password set), uncheckable when the Manager has neither perl nor python3's crypt.
     */
    passwordCheck: z.enum(["same", "differs", "unchecked", "uncheckable"]).default("unchecked"),
    /** sha256 of "type base64" of each authorized key. */
    authorizedKeys: z.array(z.string()),
    /** sha256 of the START..END lab-operator block of ~/.bashrc, "" when absent. */
    rcBlock: z.string(),
    /** Versions in the user's OpenStack clients venv ("" when not installed). */
    openstackClients: z
      .object({ openstack: z.string(), heat: z.string() })
      .default({ openstack: "", heat: "" }),
  }),
  /** Existing files among the watched ones and our own bridge/connection files, by path. */
  files: z.record(z.string(), fileFact),
  /** Of our own bridge files (found by glob, starting with our header): the bridge each is for. */
  bridgeOf: z.record(z.string(), z.string()).default({}),
  links: z.array(link),
  defaultRoutes: z.array(z.object({ dev: z.string().optional(), gateway: z.string().optional() })),
  /** The interface the SSH session of this observation arrived on ("" when unknown). */
  sshIface: z.string(),
  qemuBridgeAllows: z.array(z.string()),
  /** Installed virtualbmc version in our venv, "" when absent. */
  vbmcVersion: z.string(),
  /** libvirt's own "default" network, from its files (no virsh): all false without libvirt. */
  libvirtDefaultNetwork: z
    .object({
      defined: z.boolean(),
      autostart: z.boolean(),
      active: z.boolean(),
      address: z.string(),
      netmask: z.string(),
    })
    .default({ defined: false, autostart: false, active: false, address: "", netmask: "" }),
});
export type ManagerFacts = z.infer<typeof managerFacts>;
export type ServiceFact = z.infer<typeof service>;

/** is-enabled answers that mean "starts at boot" or "nothing to enable". */
const ENABLED = new Set(["enabled", "enabled-runtime", "static", "alias", "indirect", "generated"]);

/** Enabled to start at boot (or by activation), whether or not it runs now. */
export function isEnabled(s: ServiceFact): boolean {
  return ENABLED.has(s.enabled);
}

export function isRunning(s: ServiceFact): boolean {
  return s.active === "active" && ENABLED.has(s.enabled);
}

export function findLink(facts: ManagerFacts, name: string): LinkFact | undefined {
  return facts.links.find((l) => l.ifname === name);
}

/** Interfaces that keep the operator connected: the SSH session's and the default route's. */
export function lifelineIfaces(facts: ManagerFacts): Set<string> {
  const out = new Set<string>();
  if (facts.sshIface) out.add(facts.sshIface);
  for (const r of facts.defaultRoutes) if (r.dev) out.add(r.dev);
  return out;
}
