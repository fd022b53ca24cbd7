import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { cidr, ifaceName, labManager, libvirtNetwork, tripleoUndercloud } from "../../../src/api/index.js";

const meta = { apiVersion: "openstacklab.io/v1alpha1", metadata: { name: "x" } };

describe("field schemas", () => {
  it("accepts interface names up to 15 bytes and refuses longer ones", () => {
    assert.equal(ifaceName.safeParse("abcdefghijklmno").success, true);
    const long = ifaceName.safeParse("abcdefghijklmnop");
    assert.equal(long.success, false);
    assert.equal(long.error?.issues[0]?.message, "must be at most 15 bytes (Linux IFNAMSIZ)");
  });

  it("refuses interface names with unsafe characters, including multi-byte ones", () => {
    for (const bad of ["br 0", "br;rm", "-br", "brü", "a/b"]) {
      assert.equal(ifaceName.safeParse(bad).success, false, bad);
    }
  });

  it("accepts IPv4 CIDRs and refuses malformed ones", () => {
    assert.equal(cidr.safeParse("10.0.2.1/24").success, true);
    for (const bad of ["10.0.2.1", "10.0.2.1/33", "256.0.0.1/8", "10.0.2.1/24/1", "10.0.2/24"]) {
      assert.equal(cidr.safeParse(bad).success, false, bad);
    }
  });
});

describe("kind schemas", () => {
  it("fills a minimal LabManager with the seed's defaults", () => {
    const m = labManager.parse({ ...meta, kind: "LabManager", spec: { address: "192.168.1.10" } });
    assert.equal(m.metadata.namespace, "default");
    assert.equal(m.spec.timezone, "America/Chicago");
    assert.equal(m.spec.ssh.user, "root");
    assert.equal(m.spec.user.name, "manager");
    assert.equal(m.spec.virtualBMC.configDir, "/etc/virtualbmc");
    assert.equal(m.spec.virtualBMC.openFirewall, true);
    assert.deepEqual(m.spec.repositories, { epel: true, newerQemu: true });
    assert.equal(m.spec.networkHook.configFile, "/etc/lab-operator/network-hook.conf");
    assert.equal(m.spec.upgrade, false);
  });

  it("fills a minimal TripleOUndercloud with the seed's VM, undercloud.conf and Ironic lists", () => {
    const uc = tripleoUndercloud.parse({
      ...meta,
      kind: "TripleOUndercloud",
      spec: { managerRef: { name: "lab" }, nics: [{ networkRef: { name: "n" } }] },
    });
    assert.match(uc.spec.baseImage.url, /CentOS-7-x86_64-GenericCloud/);
    assert.equal(uc.spec.diskSize, "80G");
    assert.equal(uc.spec.vcpus, 4);
    assert.equal(uc.spec.memoryMiB, 16000);
    assert.equal(uc.spec.cloudInit.user, "tripleo");
    assert.deepEqual(uc.spec.cloudInit.groups, ["wheel"]);
    const conf = uc.spec.tripleo.undercloudConf;
    assert.equal(conf.localInterface, "eth1");
    assert.equal(conf.localIp, "192.168.24.1/24");
    assert.ok(conf.ironic.hardwareTypes.includes("ipmi"));
    assert.ok(conf.ironic.power.includes("ipmitool"));
    assert.ok(!conf.ironic.power.includes("impitool"), "the seed's typo is corrected");
    assert.deepEqual(uc.spec.tripleo.repositories.components, ["current", "ceph"]);
  });

  it("requires a mode and a bridge on a LibvirtNetwork", () => {
    const r = libvirtNetwork.safeParse({
      ...meta,
      kind: "LibvirtNetwork",
      spec: { managerRef: { name: "lab" } },
    });
    assert.equal(r.success, false);
    const paths = r.error?.issues.map((i) => i.path.join(".")).sort();
    assert.deepEqual(paths, ["spec.bridge", "spec.mode"]);
  });

  it("refuses a BMC port in the privileged range", () => {
    const r = tripleoUndercloud.safeParse({
      ...meta,
      kind: "TripleOUndercloud",
      spec: { managerRef: { name: "lab" }, nics: [{ networkRef: { name: "n" } }], bmc: { port: 623 } },
    });
    assert.equal(r.success, false);
    assert.equal(r.error?.issues[0]?.message, "must be between 1024 and 65535");
  });
});

describe("string fields that reach hosts, config files and XML", () => {
  const lmWith = (spec: Record<string, unknown>) =>
    labManager.safeParse({ ...meta, kind: "LabManager", spec: { address: "m", ...spec } });

  it("takes a DNS name, an IPv4 or an IPv6 address as the Manager's address, nothing else", () => {
    for (const good of ["localhost", "manager.lab.example", "192.168.1.10", "fe80::1", "2001:db8::10"]) {
      assert.equal(lmWith({ address: good }).success, true, good);
    }
    for (const bad of ["192.168.1", "999.1.1.1", "-m", "m;id", "$(id)", "m n", "m\n", "a..b", "'m'"]) {
      assert.equal(lmWith({ address: bad }).success, false, bad);
    }
  });

  it("refuses '..', whitespace and quotes in paths and secret files", () => {
    for (const bad of ["/etc/../shadow", "/a b", "/a'b", "/a\nb", "/..", "relative"]) {
      assert.equal(lmWith({ virtualBMC: { configDir: bad } }).success, false, bad);
    }
    for (const bad of ["../../etc/shadow", "secrets/../x", "a b", "a\nb", "$(id)"]) {
      assert.equal(lmWith({ ssh: { passwordRef: { file: bad } } }).success, false, bad);
    }
    assert.equal(lmWith({ ssh: { passwordRef: { file: "/run/secrets/root.pw" } } }).success, true);
    assert.equal(lmWith({ ssh: { passwordRef: { file: ".secrets/root" } } }).success, true);
    assert.equal(lmWith({ ssh: { passwordRef: { secretName: "s", key: ".." } } }).success, false);
  });

  it("refuses shell metacharacters and '..' in URLs, and free text in osVariant and extra", () => {
    const ucWith = (spec: Record<string, unknown>) =>
      tripleoUndercloud.safeParse({
        ...meta,
        kind: "TripleOUndercloud",
        spec: { managerRef: { name: "lab" }, nics: [{ networkRef: { name: "n" } }], ...spec },
      });
    assert.equal(ucWith({ baseImage: { url: "https://h/i.qcow2?x=1&y=2" } }).success, true);
    for (const url of ["https://h/i.qcow2'", "https://h/$(id)", "file:///a/../b", "https://h/a b"]) {
      assert.equal(ucWith({ baseImage: { url } }).success, false, url);
    }
    assert.equal(ucWith({ osVariant: "rhel8.4" }).success, true);
    assert.equal(ucWith({ osVariant: "centos7.0 --x" }).success, false);
    const extra = (v: string) =>
      ucWith({ tripleo: { undercloudConf: { extra: { clean_nodes: v } } } }).success;
    assert.equal(extra("true"), true);
    assert.equal(extra("/home/a.yaml,/home/b.yaml"), true);
    for (const bad of ["a\nb", "[x]", "$x", "a'b", " a", "a;b"]) assert.equal(extra(bad), false, bad);
  });
});
