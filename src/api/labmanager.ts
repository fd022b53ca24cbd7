import { z } from "zod";
import { baseStatus, PHASE_DESCRIPTION, STATUS_DESCRIPTION } from "./conditions.js";
import { API_VERSION, deletionPolicy, driftPolicy, objectMeta, suspend } from "./meta.js";
import {
  absolutePath,
  checkedSecretRef as secretRef,
  cidr,
  ifaceName,
  hostAddress,
  ianaTimezone,
  packageName,
  posixUserName,
  resyncInterval,
} from "./fields.js";

export const hostBridge = z
  .object({
    name: ifaceName.describe(
      "Bridge interface name, at most 15 bytes (the seed used public and openstack); LibvirtNetwork spec.bridge refers to it.",
    ),
    interfaces: z
      .array(ifaceName)
      .default([])
      .describe("Member NICs moved into the bridge, e.g. [enp1s0]; default none (an empty bridge)."),
    dhcp: z
      .boolean()
      .default(false)
      .describe("Take an address from DHCP on the bridge, as the seed's public bridge did; default false."),
    addresses: z
      .array(cidr)
      .default([])
      .describe(
        "Static addresses in CIDR form, e.g. 10.0.2.1/24 (the seed's gateway of the public flat network).",
      ),
    stp: z
      .boolean()
      .default(true)
      .describe("Spanning Tree Protocol on the bridge; default true, as in the seed."),
    forwardDelay: z
      .number()
      .int()
      .min(0)
      .max(30)
      .default(2)
      .describe("STP forward delay in seconds (0-30); default 2, as in the seed."),
    moveDefaultRoute: z
      .boolean()
      .default(false)
      .describe(
        "Allow moving the NIC that carries the SSH session or the default route into the bridge; default false refuses, so a typo cannot cut the operator off.",
      ),
  })
  .describe("A persistent host bridge (systemd-networkd or NetworkManager), surviving reboots.");
export type HostBridge = z.infer<typeof hostBridge>;

export const sshSpec = z
  .object({
    user: posixUserName
      .default("root")
      .describe("Login user on the Manager; default root, as the seed prepared the Manager."),
    port: z
      .number()
      .int()
      .min(1)
      .max(65535)
      .default(22)
      .describe("TCP port of the Manager's sshd; default 22."),
    hostKeyFingerprint: z
      .string()
      .regex(/^SHA256:[A-Za-z0-9+/]{43}=?$/, "must be an OpenSSH SHA256 fingerprint (SHA256:...)")
      .optional()
      .describe(
        "Pinned host key fingerprint as `ssh-keygen -lf` prints it (SHA256:...); any other key stops the object with HostKeyChanged.",
      ),
    trustOnFirstUse: z
      .boolean()
      .default(false)
      .describe(
        "Without a pinned fingerprint, record the key seen on first contact and refuse any other later; default false refuses to connect.",
      ),
    passwordRef: secretRef
      .optional()
      .describe(
        "The login user's password, used once to authorize the operator's key (the seed prompted for it).",
      ),
    privateKeyRef: secretRef
      .optional()
      .describe(
        "An existing private key to log in with; default: a key the operator generates once and keeps.",
      ),
  })
  .describe("How the operator logs in to the Manager over SSH (key auth after the first contact).");

export const virtualBMCSpec = z
  .object({
    enabled: z
      .boolean()
      .default(true)
      .describe(
        "Install VirtualBMC and run vbmcd, so VMs get IPMI endpoints (TripleOUndercloud spec.bmc); default true.",
      ),
    version: z
      .string()
      .max(64)
      .regex(/^[0-9][0-9A-Za-z.+-]*$/, "must be a version like 3.1.0")
      .default("3.1.0")
      .describe("VirtualBMC version pip installs; default 3.1.0 (the seed pinned one too)."),
    configDir: absolutePath
      .default("/etc/virtualbmc")
      .describe(
        "vbmcd's config directory (virtualbmc.conf and one folder per BMC); default /etc/virtualbmc.",
      ),
    logFile: absolutePath
      .default("/var/log/virtualbmc/virtualbmc.log")
      .describe("vbmcd's log file; default /var/log/virtualbmc/virtualbmc.log."),
    debug: z.boolean().default(true).describe("vbmcd debug logging; default true, as the seed ran it."),
    executable: absolutePath
      .default("/usr/local/bin/vbmcd")
      .describe("Path of vbmcd the systemd unit runs; default /usr/local/bin/vbmcd, where pip installs it."),
    openFirewall: z
      .boolean()
      .default(true)
      .describe("Open each BMC's UDP port in the host firewall; default true."),
  })
  .describe("VirtualBMC (IPMI for libvirt VMs) and its vbmcd systemd service.");

export const managerUserSpec = z
  .object({
    name: posixUserName
      .default("manager")
      .describe("Name of the unprivileged user; default manager, as in the seed."),
    sudo: z
      .boolean()
      .default(true)
      .describe("Passwordless sudo through a visudo-checked sudoers.d file; default true."),
    homeReadableByQemu: z
      .boolean()
      .default(true)
      .describe("Let qemu traverse the user's home (mode o+x) so VM images can live there; default true."),
    shellRc: z
      .boolean()
      .default(true)
      .describe("Keep the seed's terminal-width shell-rc block in ~/.bashrc; default true."),
    openstackClients: z
      .boolean()
      .default(false)
      .describe(
        "pip-install the OpenStack and Heat clients for the user, as the seed did; default false (slow).",
      ),
    passwordRef: secretRef
      .optional()
      .describe(
        "The user's password; default: one generated once (25 characters) and kept in the workspace or the labcreds Secret. Checked on every reconcile (crypt(3) on the Manager): a different one, an edit or a change on the host, is set again.",
      ),
  })
  .describe("The unprivileged user the seed created on the Manager, with sudo and the operator's key.");

export const repositoriesSpec = z
  .object({
    epel: z
      .boolean()
      .default(true)
      .describe("EL only: enable EPEL (epel-release); default true, as the seed."),
    newerQemu: z
      .boolean()
      .default(true)
      .describe("EL only: a newer qemu repository (the seed's centos-release-qemu-ev); default true."),
  })
  .describe("Package repositories set up before installing the hypervisor packages.");

export const networkHookSpec = z
  .object({
    enabled: z
      .boolean()
      .default(true)
      .describe("Install the hook; default true (without it masquerade subnets are not NATed)."),
    configFile: absolutePath
      .default("/etc/lab-operator/network-hook.conf")
      .describe("Lists the networks and subnets the hook masquerades; written by the operator."),
  })
  .describe("The /etc/libvirt/hooks/network script that NATs LibvirtNetwork spec.masquerade subnets.");

export const labManagerSpec = z
  .object({
    address: hostAddress.describe(
      "Host name or IP address of the Manager's sshd (localhost when labctl runs on the Manager itself).",
    ),
    ssh: sshSpec.default(sshSpec.parse({})),
    osFamily: z
      .enum(["auto", "debian", "el"])
      .default("auto")
      .describe(
        "Command set for the host: auto (default) reads /etc/os-release; el is CentOS/RHEL, debian is Debian.",
      ),
    timezone: ianaTimezone
      .default("America/Chicago")
      .describe("IANA timezone set on the Manager, e.g. UTC; default America/Chicago, as the seed."),
    repositories: repositoriesSpec.default(repositoriesSpec.parse({})),
    packages: z
      .array(packageName)
      .default([])
      .describe(
        "Extra packages on top of the family's hypervisor set (qemu, libvirt, virt-install, ipmitool, ...).",
      ),
    upgrade: z
      .boolean()
      .default(false)
      .describe(
        "Run a full system upgrade once, also when turned on later (status.upgraded records it); default false (the seed upgraded on every run, which was slow).",
      ),
    virtualBMC: virtualBMCSpec.default(virtualBMCSpec.parse({})),
    user: managerUserSpec.default(managerUserSpec.parse({})),
    bridges: z
      .array(hostBridge)
      .default([])
      .describe(
        "Persistent host bridges, e.g. the seed's public (office NIC, DHCP) and openstack (control-plane NIC).",
      ),
    qemuBridgeAllow: z
      .array(
        ifaceName.refine(
          (v) => v !== "all",
          "must name a bridge: 'all' would let any VM of any user attach to every bridge of the host",
        ),
      )
      .optional()
      .describe(
        "Bridges the qemu bridge helper may use; defaults to every bridge of this Manager's networks.",
      ),
    networkHook: networkHookSpec.default(networkHookSpec.parse({})),
    libvirtDefaultNetwork: z
      .enum(["keep", "disabled"])
      .default("keep")
      .describe(
        "libvirt's own default network (192.168.122.0/24, autostarted on fresh hosts): disabled stops it and its autostart, restored on delete; keep (default) leaves it, a clash being a Conflict.",
      ),
    adopt: z
      .boolean()
      .default(false)
      .describe(
        "Take over host bridges, the manager user and its sudoers file that exist but this object did not create (recorded as ours, so deletion removes them); default false refuses with Conflict and touches none of them.",
      ),
    driftPolicy,
    deletionPolicy,
    suspend,
    resyncInterval: resyncInterval("5m"),
  })
  .describe(
    "Desired state of the Manager hypervisor: packages, libvirtd, VirtualBMC, the manager user, bridges.",
  );
export type LabManagerSpec = z.infer<typeof labManagerSpec>;

export const labManagerStatus = baseStatus
  .extend({
    phase: z.string().optional().describe(PHASE_DESCRIPTION),
    osFamily: z
      .enum(["debian", "el"])
      .optional()
      .describe("The OS family found on the host (or forced by spec.osFamily)."),
    hostKeyFingerprint: z
      .string()
      .optional()
      .describe(
        "SHA256 fingerprint of the host key the operator trusts; copy it into spec.ssh.hostKeyFingerprint to pin it.",
      ),
    upgraded: z
      .boolean()
      .optional()
      .describe("Whether the opt-in full system upgrade (spec.upgrade) ran; it runs once per Manager."),
  })
  .describe(STATUS_DESCRIPTION);
export type LabManagerStatus = z.infer<typeof labManagerStatus>;

export const labManager = z
  .object({
    apiVersion: z.literal(API_VERSION).describe(`Always ${API_VERSION}.`),
    kind: z.literal("LabManager").describe("Always LabManager."),
    metadata: objectMeta,
    spec: labManagerSpec,
    status: labManagerStatus.optional(),
  })
  .describe(
    'A Manager hypervisor host the operator keeps converged over SSH (the seed\'s "prepare the Manager" step).',
  );
export type LabManager = z.infer<typeof labManager>;
