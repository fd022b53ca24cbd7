import { z } from "zod";
import { baseStatus } from "./conditions.js";
import { API_VERSION, deletionPolicy, driftPolicy, objectMeta } from "./meta.js";
import {
  absolutePath,
  checkedSecretRef as secretRef,
  cidr,
  duration,
  ifaceName,
  hostAddress,
  ianaTimezone,
  packageName,
  posixUserName,
} from "./fields.js";

export const hostBridge = z.object({
  name: ifaceName.describe("Bridge interface name (at most 15 bytes)."),
  interfaces: z.array(ifaceName).default([]).describe("Member NICs moved into the bridge."),
  dhcp: z.boolean().default(false).describe("Take an address from DHCP on the bridge."),
  addresses: z.array(cidr).default([]).describe("Static addresses in CIDR form, e.g. 10.0.2.1/24."),
  stp: z.boolean().default(true),
  forwardDelay: z.number().int().min(0).max(30).default(2),
  moveDefaultRoute: z
    .boolean()
    .default(false)
    .describe("Allow moving the NIC that carries the SSH session or default route into the bridge."),
});
export type HostBridge = z.infer<typeof hostBridge>;

export const sshSpec = z.object({
  user: posixUserName.default("root"),
  port: z.number().int().min(1).max(65535).default(22),
  hostKeyFingerprint: z
    .string()
    .regex(/^SHA256:[A-Za-z0-9+/]{43}=?$/, "must be an OpenSSH SHA256 fingerprint (SHA256:...)")
    .optional()
    .describe("Expected host key fingerprint; when set, any other key is refused."),
  trustOnFirstUse: z
    .boolean()
    .default(false)
    .describe("Record the host key seen on first contact when no fingerprint is pinned."),
  passwordRef: secretRef.optional().describe("Root password, used once to authorize the operator's key."),
  privateKeyRef: secretRef.optional().describe("An existing private key to log in with."),
});

export const virtualBMCSpec = z.object({
  enabled: z.boolean().default(true),
  version: z
    .string()
    .max(64)
    .regex(/^[0-9][0-9A-Za-z.+-]*$/, "must be a version like 3.1.0")
    .default("3.1.0"),
  configDir: absolutePath.default("/etc/virtualbmc"),
  logFile: absolutePath.default("/var/log/virtualbmc/virtualbmc.log"),
  debug: z.boolean().default(true).describe("The seed ran vbmcd with debug logging."),
  executable: absolutePath.default("/usr/local/bin/vbmcd").describe("Where pip installs vbmcd."),
  openFirewall: z.boolean().default(true).describe("Open each BMC's UDP port in the host firewall."),
});

export const managerUserSpec = z.object({
  name: posixUserName.default("manager"),
  sudo: z.boolean().default(true).describe("Passwordless sudo through a validated sudoers.d file."),
  homeReadableByQemu: z.boolean().default(true),
  shellRc: z.boolean().default(true).describe("Keep the terminal-width shell-rc block in ~/.bashrc."),
  openstackClients: z
    .boolean()
    .default(false)
    .describe("pip-install the OpenStack and Heat clients for the user (slow)."),
  passwordRef: secretRef.optional().describe("Defaults to a generated password in the workspace."),
});

export const repositoriesSpec = z
  .object({
    epel: z.boolean().default(true).describe("EL only: enable EPEL (epel-release)."),
    newerQemu: z
      .boolean()
      .default(true)
      .describe("EL only: a newer qemu repository (the seed's centos-release-qemu-ev)."),
  })
  .describe("Package repositories set up before installing the hypervisor packages.");

export const networkHookSpec = z
  .object({
    enabled: z.boolean().default(true),
    configFile: absolutePath
      .default("/etc/lab-operator/network-hook.conf")
      .describe("Lists the networks and subnets the hook masquerades; written by the operator."),
  })
  .describe("The /etc/libvirt/hooks/network script that NATs LibvirtNetwork spec.masquerade subnets.");

export const labManagerSpec = z.object({
  address: hostAddress.describe("Host name or IP address of the Manager."),
  ssh: sshSpec.default(sshSpec.parse({})),
  osFamily: z.enum(["auto", "debian", "el"]).default("auto"),
  timezone: ianaTimezone.default("America/Chicago"),
  repositories: repositoriesSpec.default(repositoriesSpec.parse({})),
  packages: z
    .array(packageName)
    .default([])
    .describe("Extra packages on top of the family's hypervisor set."),
  upgrade: z.boolean().default(false).describe("Run a full system upgrade (slow; opt-in)."),
  virtualBMC: virtualBMCSpec.default(virtualBMCSpec.parse({})),
  user: managerUserSpec.default(managerUserSpec.parse({})),
  bridges: z.array(hostBridge).default([]),
  qemuBridgeAllow: z
    .array(ifaceName)
    .optional()
    .describe("Bridges the qemu bridge helper may use; defaults to every bridge of this Manager's networks."),
  networkHook: networkHookSpec.default(networkHookSpec.parse({})),
  driftPolicy,
  deletionPolicy,
  resyncInterval: duration.default("5m"),
});
export type LabManagerSpec = z.infer<typeof labManagerSpec>;

export const labManagerStatus = baseStatus.extend({
  phase: z.string().optional(),
  osFamily: z.enum(["debian", "el"]).optional(),
  hostKeyFingerprint: z.string().optional(),
  lastAppliedSteps: z.array(z.string()).optional(),
});
export type LabManagerStatus = z.infer<typeof labManagerStatus>;

export const labManager = z.object({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal("LabManager"),
  metadata: objectMeta,
  spec: labManagerSpec,
  status: labManagerStatus.optional(),
});
export type LabManager = z.infer<typeof labManager>;
