import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { labManagerSpec, tripleoUndercloudSpec } from "../../../src/api/index.js";
import {
  renderSudoers,
  renderUndercloudConf,
  renderVbmcdUnit,
  renderVirtualBmcConf,
} from "../../../src/render/index.js";

const spec = tripleoUndercloudSpec.parse({
  managerRef: { name: "lab" },
  nics: [{ networkRef: { name: "n" } }],
});
const vbmc = labManagerSpec.parse({ address: "m" }).virtualBMC;

function settings(ini: string): Map<string, string> {
  const pairs = ini
    .split("\n")
    .filter((l) => l.includes(" = ") && !l.startsWith("#"))
    .map((l) => l.split(" = ") as [string, string]);
  return new Map(pairs);
}

describe("undercloud.conf", () => {
  it("renders the seed's settings with paths under the user's home", () => {
    const ini = renderUndercloudConf({
      conf: spec.tripleo.undercloudConf,
      home: "/home/tripleo",
      fqdn: "tripleo.localdomain",
    });
    assert.match(ini, /^\[DEFAULT\]$/m);
    const s = settings(ini);
    assert.equal(s.get("output_dir"), "/home/tripleo/undercloud");
    assert.equal(s.get("container_images_file"), "/home/tripleo/undercloud/container-images.yaml");
    assert.equal(s.get("local_interface"), "eth1");
    assert.equal(s.get("local_ip"), "192.168.24.1/24");
    assert.equal(s.get("undercloud_hostname"), "tripleo.localdomain");
    assert.equal(s.get("undercloud_nameservers"), "1.0.0.1");
    assert.equal(s.get("undercloud_debug"), "true");
    assert.equal(s.get("undercloud_update_packages"), "false");
    assert.equal(s.get("enabled_network_interfaces"), "flat,neutron,noop");
    assert.equal(s.get("enabled_deploy_interfaces"), "ansible,direct,fake,iscsi,ramdisk");
    assert.equal([...s.keys()].filter((k) => k.startsWith("enabled_")).length, 11);
  });

  it("appends extra settings sorted, and refuses a value that would start a new line", () => {
    const conf = { ...spec.tripleo.undercloudConf, extra: { clean_nodes: "true", enable_ui: "false" } };
    const ini = renderUndercloudConf({ conf, home: "/home/t", fqdn: "t" });
    assert.match(ini, /\nclean_nodes = true\nenable_ui = false\n$/);
    const bad = { ...conf, extra: { clean_nodes: "true\n[evil]" } };
    assert.throws(() => renderUndercloudConf({ conf: bad, home: "/home/t", fqdn: "t" }), /single line/);
  });
});

describe("VirtualBMC", () => {
  it("renders a hardened vbmcd unit that restarts always", () => {
    const unit = renderVbmcdUnit(vbmc);
    for (const line of [
      "ExecStart=/usr/local/bin/vbmcd --foreground",
      "Environment=VIRTUALBMC_CONFIG=/etc/virtualbmc/virtualbmc.conf",
      "Restart=always",
      "RuntimeDirectory=vbmcd",
      "ProtectSystem=strict",
      "ReadWritePaths=-/etc/virtualbmc -/var/log/virtualbmc",
      "ProtectHome=yes",
      "NoNewPrivileges=yes",
      "WantedBy=multi-user.target",
    ]) {
      assert.ok(unit.split("\n").includes(line), line);
    }
  });

  it("escapes systemd specifiers and refuses whitespace in unit values", () => {
    assert.match(renderVbmcdUnit({ ...vbmc, configDir: "/etc/vbmc%i" }), /ReadWritePaths=-\/etc\/vbmc%%i /);
    assert.throws(() => renderVbmcdUnit({ ...vbmc, configDir: "/etc/v bmc" }), /whitespace/);
  });

  it("renders virtualbmc.conf with config dir, log file and debug", () => {
    const conf = renderVirtualBmcConf(vbmc);
    assert.match(conf, /\[default\]\nconfig_dir = \/etc\/virtualbmc\npid_file = \/run\/vbmcd\/master\.pid\n/);
    assert.match(conf, /\[log\]\nlogfile = \/var\/log\/virtualbmc\/virtualbmc\.log\ndebug = true\n/);
  });
});

describe("sudoers.d", () => {
  it("grants passwordless sudo to the user", () => {
    assert.equal(renderSudoers("manager"), "manager ALL=(root) NOPASSWD:ALL\n");
  });

  it("refuses a user name that could change the rule", () => {
    assert.throws(() => renderSudoers("manager ALL=(ALL) ALL\nroot"));
  });
});
