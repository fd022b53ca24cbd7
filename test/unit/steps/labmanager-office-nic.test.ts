import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { hostBridge } from "../../../src/api/labmanager.js";
import { networkdFiles, nmFiles } from "../../../src/steps/labmanager/bridge-files.js";
import { bridgeDifferences, carriedGateway } from "../../../src/steps/labmanager/bridges.js";
import { sha256 } from "../../../src/steps/labmanager/content.js";
import { planManager } from "../../../src/steps/labmanager/plan.js";
import { bareDebian, converged, inputs, seedSpec } from "./manager-fixtures.js";

/** What a real office NIC on a Debian Manager needs from the networkd files (see test/e2e/office-nic.test.ts). */
describe("networkd files for a bridge holding a NIC with a configuration of its own", () => {
  const office = hostBridge.parse({
    name: "public",
    interfaces: ["office0"],
    dhcp: true,
    addresses: ["10.0.2.1/24"],
  });
  const empty = hostBridge.parse({ name: "labbr0", addresses: ["10.99.0.1/24"] });
  const byName = (b: typeof office) =>
    new Map(networkdFiles(b).map((f) => [f.path.split("/").pop()!, f.content]));

  it("names the member file so networkd picks it before the NIC's own (10-*.network, 20-wired.network)", () => {
    const member = [...byName(office).keys()].find((n) => n.includes("office0"))!;
    assert.equal(member, "00-lab-public-office0.network");
    for (const own of [
      "10-lab-host0.network",
      "20-office0.network",
      "20-wired.network",
      "99-default.network",
    ])
      assert.ok(member < own, `${member} sorts before ${own}`);
  });

  it("leaves the bridge's MAC to the kernel (its member's) when it has members, and only then", () => {
    assert.match(
      byName(office).get("50-lab-public.netdev")!,
      /^\[NetDev\]\nName=public\nKind=bridge\nMACAddress=none$/m,
    );
    assert.doesNotMatch(byName(empty).get("50-lab-labbr0.netdev")!, /MACAddress/);
  });

  it("asks DHCP with a client id from that MAC, so the office router sees the same client", () => {
    assert.match(byName(office).get("50-lab-public.network")!, /^\[DHCPv4\]\nClientIdentifier=mac$/m);
    assert.doesNotMatch(byName(empty).get("50-lab-labbr0.network")!, /DHCPv4|ClientIdentifier/);
  });

  it("replaces a member file written under the old name (50-lab-) by the new one", () => {
    const spec = seedSpec();
    const facts = converged(spec);
    const [now, old] = [
      "/etc/systemd/network/00-lab-public-eno1.network",
      "/etc/systemd/network/50-lab-public-eno1.network",
    ];
    facts.files[old] = facts.files[now]!;
    facts.bridgeOf[old] = "public";
    delete facts.files[now];
    delete facts.bridgeOf[now];
    const steps = planManager(spec, facts, inputs);
    assert.deepEqual(
      steps.map((s) => s.id),
      ["bridge/public"],
    );
    assert.match(
      steps[0]!.description,
      /00-lab-public-eno1\.network missing; .*50-lab-public-eno1\.network no longer wanted/,
    );
  });
});

describe("moveDefaultRoute with static addresses: the default route goes with the NIC", () => {
  const lan = (extra: Record<string, unknown> = {}) =>
    hostBridge.parse({
      name: "lan0",
      interfaces: ["host0"],
      addresses: ["10.77.5.11/24"],
      moveDefaultRoute: true,
      ...extra,
    });
  const facts = (dev: string) => ({ ...bareDebian(), defaultRoutes: [{ dev, gateway: "10.77.5.1" }] });

  it("takes the gateway of a default route through a member NIC (before) or the bridge (after)", () => {
    assert.equal(carriedGateway(lan(), facts("host0")), "10.77.5.1");
    assert.equal(carriedGateway(lan(), facts("lan0")), "10.77.5.1");
  });

  it("carries nothing without moveDefaultRoute, with DHCP, or for a route through another NIC", () => {
    assert.equal(carriedGateway(lan({ moveDefaultRoute: false }), facts("host0")), undefined);
    assert.equal(carriedGateway(lan({ dhcp: true }), facts("host0")), undefined);
    assert.equal(carriedGateway(lan(), facts("eth9")), undefined);
  });

  it("writes it as the bridge's Gateway= (networkd) or gateway= (NetworkManager)", () => {
    const network = networkdFiles(lan(), "10.77.5.1").find((f) => f.path.endsWith("50-lab-lan0.network"))!;
    assert.match(network.content, /^Address=10\.77\.5\.11\/24\nGateway=10\.77\.5\.1$/m);
    assert.match(
      nmFiles(lan(), "10.77.5.1")[0]!.content,
      /^address1=10\.77\.5\.11\/24\ngateway=10\.77\.5\.1$/m,
    );
    assert.doesNotMatch(
      networkdFiles(lan())
        .map((f) => f.content)
        .join(),
      /Gateway=/,
    );
  });

  const files = (why: string[]) => why.filter((w) => w.startsWith("/etc/"));
  it("tells files written without the gateway apart from converged ones", () => {
    const spec = { ...seedSpec(), bridges: [lan()] };
    const f = { ...converged(spec), defaultRoutes: [{ dev: "lan0", gateway: "10.77.5.1" }] };
    assert.deepEqual(files(bridgeDifferences("debian", lan(), f, [])), [
      "/etc/systemd/network/50-lab-lan0.network changed",
    ]);
    for (const file of networkdFiles(lan(), "10.77.5.1")) f.files[file.path]!.sha256 = sha256(file.content);
    assert.deepEqual(files(bridgeDifferences("debian", lan(), f, [])), []);
  });
});
