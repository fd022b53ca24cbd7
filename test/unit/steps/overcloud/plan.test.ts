import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import fc from "fast-check";
import type { OvercloudNodeSet } from "../../../../src/api/index.js";
import { parseManifests } from "../../../../src/manifests/index.js";
import { renderInstackenv } from "../../../../src/render/instackenv.js";
import {
  desiredNodeSet,
  instackNodes,
  macFor,
  nodeStatuses,
  planNodeSet,
  planNodeSetDeletion,
  type NodeSetDesired,
} from "../../../../src/steps/overcloud/index.js";
import { PlanBlocked } from "../../../../src/steps/types.js";
import { ManagerModel } from "./model.js";

const EXAMPLE = new URL("../../../../manifests/04-overcloud.yaml", import.meta.url);

/** The example lab's node set (2 controllers + 1 compute), counts changed as asked. */
function example(counts: { controller?: number; compute?: number } = {}): OvercloudNodeSet {
  const loaded = parseManifests(readFileSync(EXAMPLE, "utf8"), "04-overcloud.yaml");
  const set = loaded.objects.find((o) => o.object.kind === "OvercloudNodeSet")!.object as OvercloudNodeSet;
  for (const role of set.spec.roles) role.count = counts[role.name as "controller" | "compute"] ?? role.count;
  return set;
}

function desired(set: OvercloudNodeSet): NodeSetDesired {
  const names = set.spec.roles.flatMap((r) =>
    Array.from({ length: r.count }, (_, i) => `overcloud-${r.name}-${i}`),
  );
  return desiredNodeSet(set, {
    networkNames: {},
    passwords: Object.fromEntries(names.map((n) => [n, `pw-${n}`])),
    vbmcConfigDir: "/etc/virtualbmc",
  });
}

/** Plan against the model and carry it out; returns the step ids. */
function converge(model: ManagerModel, set: OvercloudNodeSet): string[] {
  const d = desired(set);
  const steps = planNodeSet(d, model.facts(d), () => "2026-01-01T00:00:00Z");
  model.apply(d, steps);
  return steps.map((s) => s.id);
}

describe("OvercloudNodeSet plan", () => {
  it("creates the example's three nodes powered off, each with disks, a stamped definition and a started BMC", () => {
    const ids = converge(new ManagerModel(), example());
    const per = (n: string) => [
      `node/${n}/marker`,
      `node/${n}/disk/0`,
      `node/${n}/define`,
      `node/${n}/bmc/add`,
      `node/${n}/bmc/start`,
    ];
    assert.deepEqual(ids, [
      ...per("overcloud-controller-0"),
      ...per("overcloud-controller-1"),
      ...per("overcloud-compute-0"),
    ]);
    assert.ok(!ids.some((id) => /start$/.test(id) && !/bmc/.test(id)), "no node is powered on");
  });

  it("defines nodes booting from the network first, with the operator's MACs and the BMC port in the stamp", () => {
    const model = new ManagerModel();
    converge(model, example());
    const def = model.domains.get("overcloud-controller-1")!.def!;
    assert.deepEqual(def.boot, ["network", "hd"]);
    assert.equal(def.nics[0]?.network, "openstack-control-plane");
    assert.equal(def.nics[0]?.mac, macFor("default/overcloud", "overcloud-controller-1", 0));
    assert.deepEqual(def.stamp.node, { role: "controller", index: 1, bmcPort: 6232 });
    assert.equal(def.vcpus, 4);
    assert.equal(def.memoryMiB, 12288);
  });

  it("writes instackenv.json from what exists: PXE MAC, BMC port and credentials, sizes, profile", () => {
    const model = new ManagerModel();
    converge(model, example());
    const d = desired(example());
    const env = JSON.parse(renderInstackenv(instackNodes(d, model.facts(d)))) as {
      nodes: Record<string, unknown>[];
    };
    assert.deepEqual(env.nodes[2], {
      name: "overcloud-compute-0",
      pm_type: "ipmi",
      pm_addr: "192.168.122.1",
      pm_port: "6233",
      pm_user: "admin",
      pm_password: "pw-overcloud-compute-0",
      mac: [macFor("default/overcloud", "overcloud-compute-0", 0)],
      cpu: "4",
      memory: "8192",
      disk: "60",
      arch: "x86_64",
      capabilities: "profile:compute,boot_option:local",
    });
    assert.equal(env.nodes[0]?.capabilities, "profile:control,boot_option:local");
  });

  it("does not treat power as drift: a node Ironic powered on plans nothing", () => {
    const model = new ManagerModel();
    converge(model, example());
    model.domains.get("overcloud-compute-0")!.state = "running";
    assert.deepEqual(converge(model, example()), []);
    assert.equal(nodeStatuses(desired(example()), model.facts(desired(example())))[2]?.powerState, "running");
  });

  it("refuses a node name held by a domain that is not ours, or by another set", () => {
    const model = new ManagerModel();
    model.domains.set("overcloud-compute-0", { foreignMacs: [], state: "shut off" });
    assert.throws(
      () => converge(model, example()),
      (e: unknown) =>
        e instanceof PlanBlocked && e.reason === "Conflict" && /without our ownership stamp/.test(e.message),
    );
  });

  it("refuses a node whose owner marker names another set, and leaves the marker alone", () => {
    const model = new ManagerModel();
    const d = desired(example());
    const marker = d.nodes.find((n) => n.name === "overcloud-compute-0")!.paths.marker;
    model.markers.set(marker, "OvercloudNodeSet other/overcloud\n");
    assert.throws(
      () => converge(model, example()),
      (e: unknown) =>
        e instanceof PlanBlocked &&
        e.reason === "Conflict" &&
        /belong to OvercloudNodeSet other\/overcloud/.test(e.message),
    );
    assert.equal(model.markers.get(marker), "OvercloudNodeSet other/overcloud\n");
  });

  it("blocks with PortConflict when the range has no free port left", () => {
    const model = new ManagerModel();
    for (const port of [6231, 6232, 6233, 6234, 6235, 6236, 6237, 6238]) model.udp.add(port);
    const set = example();
    set.spec.bmc.portRange = { start: 6231, end: 6240 };
    assert.throws(
      () => converge(model, set),
      (e: unknown) =>
        e instanceof PlanBlocked && e.reason === "PortConflict" && /overcloud-compute-0/.test(e.message),
    );
  });

  it("redefines a node whose sizes changed, keeping its MACs and UUID", () => {
    const model = new ManagerModel();
    converge(model, example());
    const before = model.domains.get("overcloud-compute-0")!.def!;
    const set = example();
    set.spec.roles[1]!.memoryMiB = 16384;
    assert.deepEqual(converge(model, set), ["node/overcloud-compute-0/redefine"]);
    const after = model.domains.get("overcloud-compute-0")!.def!;
    assert.equal(after.memoryMiB, 16384);
    assert.equal(after.uuid, before.uuid);
    assert.deepEqual(
      after.nics.map((n) => n.mac),
      before.nics.map((n) => n.mac),
    );
  });

  it("deletes only this set's domains, BMCs and files", () => {
    const model = new ManagerModel();
    converge(model, example());
    model.domains.set("tripleo", { foreignMacs: ["52:54:00:00:00:01"], state: "running" });
    model.vbmc.set("tripleo", {
      port: 6230,
      address: "192.168.122.1",
      user: "admin",
      password: "x",
      status: "running",
    });
    const d = desired(example());
    model.apply(d, planNodeSetDeletion(d, model.facts(d)));
    assert.deepEqual([...model.domains.keys()], ["tripleo"]);
    assert.deepEqual([...model.vbmc.keys()], ["tripleo"]);
    assert.equal(model.files.size + model.markers.size, 0);
  });

  it("keeps every promise through any sequence of scaling, power changes, edits and foreign BMCs (model-based)", () => {
    type Command =
      | { kind: "scale"; controller: number; compute: number }
      | { kind: "power"; node: number; on: boolean }
      | { kind: "foreign-bmc"; port: number }
      | { kind: "vcpus"; vcpus: number };
    const command: fc.Arbitrary<Command> = fc.oneof(
      fc.record({ kind: fc.constant("scale" as const), controller: fc.nat(3), compute: fc.nat(3) }),
      fc.record({ kind: fc.constant("power" as const), node: fc.nat(5), on: fc.boolean() }),
      fc.record({ kind: fc.constant("foreign-bmc" as const), port: fc.integer({ min: 6231, max: 6240 }) }),
      fc.record({ kind: fc.constant("vcpus" as const), vcpus: fc.integer({ min: 1, max: 8 }) }),
    );
    fc.assert(
      fc.property(fc.array(command, { maxLength: 12 }), (commands) => {
        const model = new ManagerModel();
        model.domains.set("tripleo", { foreignMacs: ["52:54:00:aa:bb:cc"], state: "running" });
        const set = example();
        const firstMacs = new Map<string, string[]>();
        const firstPorts = new Map<string, number>();
        for (const c of commands) {
          const foreign = [...model.vbmc].filter(([n]) => !n.startsWith("overcloud-")).map(([, e]) => e.port);
          if (c.kind === "scale") {
            set.spec.roles[0]!.count = c.controller;
            set.spec.roles[1]!.count = c.compute;
          } else if (c.kind === "power") {
            const dom = [...model.domains.values()].filter((x) => x.def)[c.node];
            if (dom) dom.state = c.on ? "running" : "shut off";
          } else if (c.kind === "foreign-bmc") {
            const used = [...model.vbmc.values()].some((e) => e.port === c.port);
            if (!used)
              model.vbmc.set(`other-${c.port}`, {
                port: c.port,
                address: "192.168.122.1",
                user: "x",
                password: "y",
                status: "running",
              });
          } else set.spec.roles[0]!.vcpus = c.vcpus;
          const states = new Map([...model.domains].map(([n, x]) => [n, x.state]));
          const d = desired(set);
          let ids: string[];
          try {
            ids = converge(model, set);
          } catch (e) {
            // Only a full range may block: foreign entries took the ports the new nodes need.
            assert.ok(e instanceof PlanBlocked && e.reason === "PortConflict", String(e));
            continue;
          }
          const wanted = new Set(d.nodes.map((n) => n.name));
          // Only nodes no longer counted are removed.
          for (const id of ids.filter((i) => i.endsWith("/remove")))
            assert.ok(!wanted.has(id.split("/")[1]!), id);
          assert.deepEqual(converge(model, set), [], "a second plan is empty");
          const ours = [...model.domains]
            .filter(([, x]) => x.def)
            .map(([n]) => n)
            .sort();
          assert.deepEqual(ours, [...wanted].sort(), "exactly the counted nodes exist");
          assert.deepEqual(model.domains.get("tripleo"), {
            foreignMacs: ["52:54:00:aa:bb:cc"],
            state: "running",
          });
          for (const [name, x] of model.domains) {
            assert.equal(x.state, states.get(name) ?? "shut off", `power of ${name} untouched`);
            if (!x.def) continue;
            const macs = x.def.nics.map((n) => n.mac as string);
            const port = x.def.stamp.node!.bmcPort!;
            assert.deepEqual(
              macs,
              firstMacs.get(name) ?? (firstMacs.set(name, macs), macs),
              `MACs of ${name} stable`,
            );
            assert.equal(
              port,
              firstPorts.get(name) ?? (firstPorts.set(name, port), port),
              `BMC port of ${name} stable`,
            );
            assert.equal(
              model.vbmc.get(name)?.port,
              port,
              `the BMC entry of ${name} is on its recorded port`,
            );
            assert.ok(port >= 6231 && port <= 6240 && !foreign.includes(port));
          }
          for (const name of firstPorts.keys()) if (!wanted.has(name)) firstPorts.delete(name);
          const ports = ours.map((n) => model.vbmc.get(n)!.port);
          assert.equal(new Set(ports).size, ports.length, "BMC ports are unique");
          assert.ok(
            [...model.vbmc.keys()].every((n) => wanted.has(n) || !n.startsWith("overcloud-")),
            "no BMC of a removed node is left",
          );
        }
      }),
      { numRuns: 300 },
    );
  });
});
