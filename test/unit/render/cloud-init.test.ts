import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parse } from "yaml";
import {
  renderMetaData,
  renderNetworkConfig,
  renderUserData,
  type UserDataInput,
} from "../../../src/render/index.js";

const input: UserDataInput = {
  hostname: "tripleo",
  fqdn: "tripleo.localdomain",
  user: "tripleo",
  groups: ["wheel"],
  password: { hash: "$6$salt$hash" },
  authorizedKey: "ssh-rsa AAAAB3Nza tripleo@tripleo",
  timezone: "America/Chicago",
  hostKey: {
    privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk=\n-----END OPENSSH PRIVATE KEY-----\n",
    publicKey: "ssh-ed25519 AAAAC3Nz host",
  },
  disableAfterFirstBoot: true,
};

describe("cloud-init", () => {
  it("writes a cloud-config with the user, keys, host key and timezone", () => {
    const text = renderUserData(input);
    assert.ok(text.startsWith("#cloud-config\n"), "the first line is required by cloud-init");
    const config = parse(text) as Record<string, unknown>;
    assert.equal(config.hostname, "tripleo");
    assert.equal(config.fqdn, "tripleo.localdomain");
    assert.equal(config.manage_etc_hosts, true);
    assert.equal(config.ssh_deletekeys, false);
    assert.equal(config.timezone, "America/Chicago");
    assert.deepEqual(config.users, [
      {
        name: "tripleo",
        groups: "wheel",
        shell: "/bin/bash",
        sudo: "ALL=(ALL) NOPASSWD:ALL",
        lock_passwd: false,
        passwd: "$6$salt$hash",
        ssh_authorized_keys: ["ssh-rsa AAAAB3Nza tripleo@tripleo"],
      },
    ]);
    assert.deepEqual(config.ssh_keys, {
      ed25519_private: input.hostKey.privateKey,
      ed25519_public: input.hostKey.publicKey,
    });
    assert.ok((config.runcmd as string[]).some((c) => c.includes("cloud-init.disabled")));
  });

  it("creates cloud-init's disabled marker last, after the services are disabled", () => {
    // `cloud-init status --wait` says "disabled" once the marker exists: before that, it would
    // stop waiting while runcmd still disables the services.
    const runcmd = (parse(renderUserData(input)) as { runcmd: string[] }).runcmd;
    assert.match(runcmd[0] ?? "", /^systemctl disable .*cloud-init\.service/);
    assert.equal(runcmd.at(-1), "touch /etc/cloud/cloud-init.disabled");
  });

  it("passes a plain-text password only as plain_text_passwd, and keeps cloud-init when asked", () => {
    const config = parse(
      renderUserData({ ...input, password: { plainText: "s3cret" }, disableAfterFirstBoot: false }),
    ) as { users: Record<string, unknown>[]; runcmd?: unknown };
    assert.equal(config.users[0]?.plain_text_passwd, "s3cret");
    assert.equal(config.users[0]?.passwd, undefined);
    assert.equal(config.runcmd, undefined);
  });

  it("keeps YAML-special characters in values intact", () => {
    const tricky = "key: with # and\nnewline: yes";
    const config = parse(renderUserData({ ...input, authorizedKey: tricky })) as {
      users: { ssh_authorized_keys: string[] }[];
      hostname: string;
    };
    assert.deepEqual(config.users[0]?.ssh_authorized_keys, [tricky]);
    assert.equal(config.hostname, "tripleo");
  });

  it("writes NoCloud meta-data", () => {
    assert.deepEqual(parse(renderMetaData({ instanceId: "tripleo-1", hostname: "tripleo" })), {
      "instance-id": "tripleo-1",
      "local-hostname": "tripleo",
    });
  });

  it("configures NIC 1 by DHCP and leaves NIC 2 unconfigured", () => {
    assert.deepEqual(parse(renderNetworkConfig({ nameservers: ["1.0.0.1"] })), {
      version: 2,
      ethernets: {
        eth0: { dhcp4: true, nameservers: { addresses: ["1.0.0.1"] } },
        eth1: { dhcp4: false, dhcp6: false, optional: true },
      },
    });
  });
});
