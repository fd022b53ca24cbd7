import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { tripleoUndercloud } from "../../../../src/api/tripleoundercloud.js";
import { desiredBmc, desiredGuest, desiredVm } from "../../../../src/controllers/undercloud/desired.js";
import { GuestProgress } from "../../../../src/controllers/undercloud/progress.js";
import type { ReconcileContext } from "../../../../src/controllers/contract.js";

const uc = tripleoUndercloud.parse({
  apiVersion: "openstacklab.io/v1alpha1",
  kind: "TripleOUndercloud",
  metadata: { name: "undercloud", namespace: "default", uid: "u-1" },
  spec: {
    managerRef: { name: "manager" },
    domainName: "tripleo",
    nics: [{ networkRef: { name: "a" } }, { networkRef: { name: "b" } }],
    bmc: { port: 6231 },
  },
});
const creds = {
  privateKey: "PRIVATE",
  publicKey: "ssh-ed25519 AAAAclient tripleo@tripleo",
  password: "Plain-Password-1",
  hostKey: {
    privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nHOSTKEY\n",
    publicKey: "ssh-ed25519 AAAAhost host@tripleo",
  },
  bmcPassword: "bmc-password",
};

describe("the undercloud as the controller wants it", () => {
  const vm = desiredVm(uc, creds, [
    { network: "a", model: "virtio" },
    { network: "b", model: "virtio" },
  ]);

  it("renders a seed with the password only as a SHA-512 crypt hash, the authorized key and the host key", () => {
    assert.ok(!vm.seed.userData.includes(creds.password), "no clear-text password in the seed");
    assert.match(vm.seed.userData, /passwd: \$6\$[./0-9A-Za-z]{16}\$/);
    assert.match(vm.seed.userData, /ssh-ed25519 AAAAclient/);
    assert.match(vm.seed.userData, /ed25519_public: ssh-ed25519 AAAAhost/);
    assert.match(vm.seed.userData, /fqdn: tripleo\.localdomain/);
    assert.match(vm.seed.metaData, /instance-id: tripleo-u-1/);
    assert.match(vm.seed.networkConfig ?? "", /eth0:\n\s+dhcp4: true/);
    assert.match(vm.seed.networkConfig ?? "", /eth1:\n\s+dhcp4: false/);
  });

  it("names the domain, its files and its owner from the object", () => {
    assert.equal(vm.domain, "tripleo");
    assert.equal(vm.paths.disk, "/var/lib/libvirt/images/tripleo.qcow2");
    assert.deepEqual(vm.owner, { kind: "TripleOUndercloud", namespace: "default", name: "undercloud" });
  });

  it("renders the centos-tripleo profile by default: repositories, client packages, image prepare, install", () => {
    const { rendered, files } = desiredGuest(uc);
    const argv = rendered.phases.flatMap((p) =>
      p.actions.flatMap((a) => (a.kind === "run" ? [a.argv.join(" ")] : [])),
    );
    assert.ok(argv.includes("yum -y install python-tripleoclient ceph-ansible"));
    assert.ok(argv.includes("tripleo-repos -b train current ceph"));
    assert.ok(
      argv.some((a) =>
        a.startsWith(
          "openstack tripleo container image prepare default --output-env-file /home/tripleo/undercloud/container-images.yaml",
        ),
      ),
    );
    assert.ok(argv.includes("openstack undercloud install"));
    assert.match(files["undercloud.conf"], /undercloud_hostname = tripleo\.localdomain/);
  });

  it("builds the BMC entry from spec.bmc and the workspace's password", () => {
    assert.deepEqual(desiredBmc(uc, creds), {
      domain: "tripleo",
      address: "192.168.122.1",
      port: 6231,
      username: "admin",
      password: "bmc-password",
    });
  });
});

describe("the Progressing message of a guest run", () => {
  it("names the phase, the step and the last five lines of output", () => {
    const state = { generation: 1, status: { conditions: [] } } as unknown as ReconcileContext["state"];
    const ctx = { state, checkpoint: async () => undefined } as unknown as ReconcileContext;
    const p = new GuestProgress(ctx);
    p.startPhase("installed");
    p.startStep("install the undercloud");
    for (let i = 1; i <= 7; i++) p.line(`line ${i}`);
    assert.match(
      p.describe(),
      /^phase installed, \d+ s: install the undercloud; last output: line 3 \| line 4 \| line 5 \| line 6 \| line 7$/,
    );
    const c = state.status.conditions.find((x) => x.type === "Progressing");
    assert.equal(c?.status, "True");
    assert.equal(c?.message, p.describe());
  });
});
