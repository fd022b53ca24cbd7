import { parse, stringify } from "yaml";
import { loadTemplate } from "./template.js";

/** The guest user's password: a crypt(3) hash (preferred) or plain text cloud-init hashes. */
export type GuestPassword = { hash: string } | { plainText: string };

export interface UserDataInput {
  hostname: string;
  fqdn: string;
  user: string;
  groups: string[];
  password: GuestPassword;
  /** OpenSSH public key line authorized for the user. */
  authorizedKey: string;
  timezone: string;
  /** Pre-generated ed25519 host key, so the operator can pin it before first contact. */
  hostKey: { privateKey: string; publicKey: string };
  disableAfterFirstBoot: boolean;
}

/**
 * After the first boot cloud-init has done its work; later boots must not redo it. The marker
 * file comes last: `cloud-init status --wait` reports "disabled" as soon as it exists, and the
 * `systemctl disable` before it takes minutes under software emulation (a daemon reload per
 * unit, seen with cloud-init 22.4 on Debian 12).
 */
const DISABLE_CLOUD_INIT = [
  "systemctl disable cloud-config.service cloud-final.service cloud-init-local.service cloud-init.service",
  "touch /etc/cloud/cloud-init.disabled",
];

/** The NoCloud user-data (cloud-config) of a VM. Built as data, so every value is YAML-safe. */
export function renderUserData(input: UserDataInput): string {
  const base = parse(loadTemplate("cloud-init/user-data.yaml")) as Record<string, unknown>;
  const passwordField =
    "hash" in input.password
      ? { passwd: input.password.hash }
      : { plain_text_passwd: input.password.plainText };
  const config = {
    ...base,
    hostname: input.hostname,
    fqdn: input.fqdn,
    users: [
      {
        name: input.user,
        groups: input.groups.join(","),
        shell: "/bin/bash",
        sudo: "ALL=(ALL) NOPASSWD:ALL",
        lock_passwd: false,
        ...passwordField,
        ssh_authorized_keys: [input.authorizedKey],
      },
    ],
    timezone: input.timezone,
    ssh_keys: { ed25519_private: input.hostKey.privateKey, ed25519_public: input.hostKey.publicKey },
    ...(input.disableAfterFirstBoot ? { runcmd: DISABLE_CLOUD_INIT } : {}),
  };
  return `#cloud-config\n${stringify(config, { lineWidth: 0 })}`;
}

/** The NoCloud meta-data: instance-id changes force cloud-init to run again. */
export function renderMetaData(input: { instanceId: string; hostname: string }): string {
  return stringify({ "instance-id": input.instanceId, "local-hostname": input.hostname });
}

export interface NetworkConfigInput {
  nameservers: string[];
  /** Guest names of NIC 1 and NIC 2; eth0 and eth1 on the CentOS images. */
  interfaces?: [string, string];
}

/**
 * NoCloud network-config (version 2): NIC 1 by DHCP on the hypervisor control plane; NIC 2
 * present but unconfigured, because TripleO wants its local_interface defined and unused.
 */
export function renderNetworkConfig(input: NetworkConfigInput): string {
  const [first, second] = input.interfaces ?? ["eth0", "eth1"];
  const config = {
    version: 2,
    ethernets: {
      [first]: { dhcp4: true, nameservers: { addresses: input.nameservers } },
      [second]: { dhcp4: false, dhcp6: false, optional: true },
    },
  };
  return stringify(config);
}
