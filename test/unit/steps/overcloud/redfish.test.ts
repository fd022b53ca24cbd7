import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { renderSushyConf, renderSushyUnit, sushyConfPort } from "../../../../src/render/sushy.js";
import { sha256 } from "../../../../src/steps/labmanager/content.js";
import { desiredSushyConf, planRedfish, planSushySoftware } from "../../../../src/steps/bmc/redfish.js";
import { SUSHY_LAYOUT } from "../../../../src/steps/overcloud/index.js";
import { PlanBlocked } from "../../../../src/steps/types.js";

const node = {
  domain: "overcloud-compute-0",
  uuid: "8d5b3f0e-1c2a-4b7e-9f00-0123456789ab",
  owner: "OvercloudNodeSet default/overcloud",
  address: "192.168.122.1",
  port: 8101,
  username: "admin",
  password: "pw",
};
const conf = desiredSushyConf(node, SUSHY_LAYOUT);
const installed = {
  version: "2.2.0",
  templateSha: sha256(renderSushyUnit(SUSHY_LAYOUT.venv, SUSHY_LAYOUT.confDir)),
  tcpPorts: [22, 8101],
};

describe("Redfish BMCs (sushy-tools emulator per node)", () => {
  it("renders a config serving only the node's domain, with the libvirt URI and the auth file", () => {
    assert.match(conf, /^SUSHY_EMULATOR_LISTEN_IP = "192\.168\.122\.1"$/m);
    assert.match(conf, /^SUSHY_EMULATOR_LISTEN_PORT = 8101$/m);
    assert.match(conf, /^SUSHY_EMULATOR_LIBVIRT_URI = "qemu:\/\/\/system"$/m);
    assert.match(
      conf,
      /^SUSHY_EMULATOR_AUTH_FILE = "\/etc\/lab-operator\/sushy\/overcloud-compute-0\.htpasswd"$/m,
    );
    assert.match(conf, /^SUSHY_EMULATOR_ALLOWED_INSTANCES = \["8d5b3f0e-1c2a-4b7e-9f00-0123456789ab"\]$/m);
    assert.equal(sushyConfPort(conf), 8101);
    assert.throws(
      () => renderSushyConf({ ...node, libvirtUri: "x", authFile: "a\nSUSHY_X = 1" }),
      /single line/,
    );
  });

  it("renders one templated unit running the venv's emulator with the instance's config", () => {
    const unit = renderSushyUnit(SUSHY_LAYOUT.venv, SUSHY_LAYOUT.confDir);
    assert.match(
      unit,
      /^ExecStart=\/opt\/lab-operator\/sushy-tools\/bin\/sushy-emulator --config \/etc\/lab-operator\/sushy\/%i\.conf$/m,
    );
    assert.match(unit, /^Restart=always$/m);
  });

  it("installs the software once, then nothing while version and template match", () => {
    assert.deepEqual(
      planSushySoftware("2.2.0", { version: "", templateSha: "", tcpPorts: [] }, SUSHY_LAYOUT).map(
        (s) => s.id,
      ),
      ["redfish/install", "redfish/unit"],
    );
    assert.deepEqual(planSushySoftware("2.2.0", installed, SUSHY_LAYOUT), []);
    assert.deepEqual(
      planSushySoftware("2.3.0", installed, SUSHY_LAYOUT).map((s) => s.description),
      ["upgrade sushy-tools 2.2.0 to 2.3.0 in /opt/lab-operator/sushy-tools"],
    );
  });

  it("plans nothing for a running emulator with our config and credentials (observe drops the last newline)", () => {
    const instance = { conf: conf.trimEnd(), active: "active", credentials: true };
    assert.deepEqual(planRedfish(node, { ...installed, instance }, SUSHY_LAYOUT), []);
  });

  it("repairs a stopped emulator, a changed config or refused credentials, saying which", () => {
    const base = { conf, active: "active", credentials: true };
    // Ours is not listening on 8101 in these cases, and nobody else is either.
    const drift = (instance: typeof base) =>
      planRedfish(node, { ...installed, tcpPorts: [22], instance }, SUSHY_LAYOUT)[0]?.drift;
    assert.match(drift({ ...base, active: "failed" }) ?? "", /was failed/);
    assert.match(drift({ ...base, conf: conf.replace("8101", "8102") }) ?? "", /config .* differs/);
    assert.match(drift({ ...base, credentials: false }) ?? "", /refuses the expected credentials/);
  });

  it("refuses a port another listener holds", () => {
    assert.throws(
      () => planRedfish({ ...node, port: 22 }, installed, SUSHY_LAYOUT),
      (e: unknown) => e instanceof PlanBlocked && e.reason === "PortConflict",
    );
  });
});
