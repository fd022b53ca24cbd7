// The shortcuts' aliases come from the lab's objects: the example lab (LabManager lab, VM
// tripleo) needs no flag; several Managers need --manager, and the error lists them.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import type { LabManager, LabObject, OvercloudNodeSet, TripleOUndercloud } from "../../../src/api/index.js";
import { bmcPasswordOf, loadLabObjects } from "../../../src/cli/lab-objects.js";
import {
  bmcTargetOf,
  chooseManager,
  chooseUndercloud,
  managerRootAliasIn,
  nodePortKey,
  resultSourcesOf,
  undercloudAlias,
  type LabObjects,
} from "../../../src/cli/lab-targets.js";
import { emptyState } from "../../../src/controllers/state.js";
import { FileStateStore } from "../../../src/modes/file/filestate.js";
import { Workspace } from "../../../src/workspace/workspace.js";

const manifestsDir = fileURLToPath(new URL("../../../manifests/", import.meta.url));
let example: LabObject[] = [];
const tmp: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), "lab-targets-"));
  tmp.push(d);
  return d;
};

before(async () => {
  example = (await loadLabObjects({ workspace: "unused", file: [manifestsDir] })).objects;
});
after(() => tmp.forEach((d) => rmSync(d, { recursive: true, force: true })));

const lab = (objects: LabObject[] = example): LabObjects => ({
  objects: structuredClone(objects),
  from: "the manifests manifests/",
});
const managerOf = (objects: LabObject[]) => objects.find((o): o is LabManager => o.kind === "LabManager")!;
const overcloudOf = (objects: LabObject[]) =>
  objects.find((o): o is OvercloudNodeSet => o.kind === "OvercloudNodeSet")!;
const vmOwner = (undercloud: TripleOUndercloud) => ({ kind: "TripleOUndercloud" as const, undercloud });
const undercloudOf = (objects: LabObject[]) =>
  objects.find((o): o is TripleOUndercloud => o.kind === "TripleOUndercloud")!;

/** A second Manager, `other`, with a VM `tripleo` of its own (domain tripleo too). */
function twoManagers(): LabObject[] {
  const other = structuredClone(managerOf(example));
  other.metadata.name = "other";
  const vm = structuredClone(undercloudOf(example));
  vm.metadata.name = "tripleo-other";
  vm.spec.domainName = "tripleo";
  vm.spec.managerRef.name = "other";
  return [...structuredClone(example), other, vm];
}

describe("the example lab: no flag", () => {
  it("virsh and vbmc reach LabManager lab as lab-root", () => {
    assert.equal(managerRootAliasIn(lab(), undefined), "lab-root");
    assert.equal(managerRootAliasIn(lab(), "lab"), "lab-root");
    assert.equal(managerRootAliasIn(lab(), "default/lab"), "lab-root");
  });

  it("openstack reaches the VM tripleo", () => {
    assert.equal(undercloudAlias(chooseUndercloud(lab(), {})), "tripleo");
  });

  it("ipmitool tripleo: its BMC as the Manager sees it, run from lab-root", () => {
    assert.deepEqual(bmcTargetOf(lab(), "tripleo", undefined).target, {
      managerRoot: "lab-root",
      address: "192.168.122.1",
      port: 6230,
      username: "admin",
    });
  });

  it("fetch-results: the Manager's logs and the undercloud's files where undercloudConf puts them", () => {
    const sources = resultSourcesOf(lab(), undefined);
    assert.deepEqual(
      sources.map((s) => s.alias),
      ["lab-root", "tripleo"],
    );
    assert.ok(sources[0]!.paths.includes("/var/log/libvirt/qemu"));
    const vm = sources[1]!.paths;
    assert.ok(vm.includes("~/undercloud/undercloud-passwords.conf"), vm.join(" "));
    assert.ok(vm.includes("~/undercloud/container-images.yaml"), vm.join(" "));
    assert.ok(vm.includes("~/install-undercloud.log"));
  });
});

describe("other names and several Managers", () => {
  it("a Manager of another name and namespace gets its own alias", () => {
    const objects = structuredClone(example);
    managerOf(objects).metadata.name = "rack7";
    assert.equal(managerRootAliasIn(lab(objects), undefined), "rack7-root");
    for (const o of objects) o.metadata.namespace = "team-a";
    assert.equal(managerRootAliasIn(lab(objects), undefined), "team-a.rack7-root");
    assert.equal(managerRootAliasIn(lab(objects), "team-a/rack7"), "team-a.rack7-root");
    assert.equal(undercloudAlias(chooseUndercloud(lab(objects), {})), "team-a.tripleo");
  });

  it("several without --manager: an error that lists them and names the flag", () => {
    assert.throws(
      () => chooseManager(lab(twoManagers()), undefined),
      /2 LabManagers in the manifests manifests\/ \(lab, other\): choose one with --manager NAME/,
    );
    assert.equal(managerRootAliasIn(lab(twoManagers()), "other"), "other-root");
    assert.throws(
      () => chooseManager(lab(twoManagers()), "nope"),
      /--manager nope: no LabManager .*\(there: lab, other\)/,
    );
  });

  it("none: the error says where it looked and what to do", () => {
    const objects = example.filter((o) => o.kind !== "LabManager");
    assert.throws(
      () => chooseManager(lab(objects), undefined),
      /no LabManager in the manifests manifests\/: give the lab's manifests with -f DIR/,
    );
  });

  it("ipmitool finds a VM by object or domain name; the same domain on two Managers needs --manager", () => {
    const objects = twoManagers();
    assert.throws(
      () => bmcTargetOf(lab(objects), "tripleo", undefined),
      /on several Managers .*\(lab, other\): choose one with --manager/,
    );
    assert.equal(bmcTargetOf(lab(objects), "tripleo", "other").target.managerRoot, "other-root");
    const owner = bmcTargetOf(lab(objects), "tripleo", "lab").owner;
    assert.equal(owner.kind === "TripleOUndercloud" && owner.undercloud.metadata.name, "tripleo");
    assert.equal(bmcTargetOf(lab(objects), "tripleo-other", undefined).target.managerRoot, "other-root");
    assert.throws(
      () => bmcTargetOf(lab(objects), "nope", undefined),
      /no VM or overcloud node nope .*\(there: tripleo, tripleo-other, overcloud-controller-0, /,
    );
    assert.throws(
      () => chooseUndercloud(lab(objects), {}),
      /2 TripleOUndercloud objects .*--undercloud NAME/,
    );
    assert.equal(undercloudAlias(chooseUndercloud(lab(objects), { manager: "lab" })), "tripleo");
  });

  it("a VM without spec.bmc has no ipmitool target", () => {
    const objects = structuredClone(example);
    delete undercloudOf(objects).spec.bmc;
    assert.throws(() => bmcTargetOf(lab(objects), "tripleo", undefined), /spec.bmc is not set/);
  });

  it("ipmitool finds an overcloud node by its domain name, on the port its saved status records", () => {
    const set = overcloudOf(example);
    const ports = new Map([[nodePortKey(set, "overcloud-controller-1"), 6232]]);
    const { owner, target } = bmcTargetOf(
      { ...lab(), nodeBmcPorts: ports },
      "overcloud-controller-1",
      undefined,
    );
    assert.deepEqual(target, {
      managerRoot: "lab-root",
      address: "192.168.122.1",
      port: 6232,
      username: "admin",
    });
    assert.equal(owner.kind === "OvercloudNodeSet" && owner.node, "overcloud-controller-1");
    assert.throws(
      () => bmcTargetOf(lab(), "overcloud-controller-1", undefined),
      /no BMC port of overcloud-controller-1 in the saved status yet: converge it first/,
    );
    assert.throws(() => bmcTargetOf(lab(), "overcloud-controller-2", undefined), /no VM or overcloud node/);
    const redfish = structuredClone(example);
    overcloudOf(redfish).spec.bmc.type = "redfish";
    assert.throws(
      () => bmcTargetOf({ ...lab(redfish), nodeBmcPorts: ports }, "overcloud-controller-1", undefined),
      /has a redfish BMC \(spec.bmc.type\), not IPMI/,
    );
  });
});

describe("where the objects come from", () => {
  it("the nodes' BMC ports come from the saved status, with -f as without", async () => {
    const ws = tempDir();
    const store = new FileStateStore(join(ws, "state"));
    const set = overcloudOf(example);
    const state = { ...emptyState(set.kind, "default", set.metadata.name), lastGoodObject: set };
    state.status = {
      ...state.status,
      nodes: [{ name: "overcloud-compute-0", role: "compute", macs: [], bmcPort: 6233 }],
    } as typeof state.status;
    await store.save(state);
    const manager = example.find((o) => o.kind === "LabManager")!;
    await store.save({
      ...emptyState(manager.kind, "default", manager.metadata.name),
      lastGoodObject: manager,
    });
    for (const file of [[], [manifestsDir]]) {
      const loaded = await loadLabObjects({ workspace: ws, file });
      assert.equal(
        bmcTargetOf(loaded, "overcloud-compute-0", undefined).target.port,
        6233,
        `-f ${file.join()}`,
      );
    }
  });

  it("without -f: the last good objects of the state directory", async () => {
    const ws = tempDir();
    const store = new FileStateStore(join(ws, "state"));
    for (const o of example)
      await store.save({ ...emptyState(o.kind, o.metadata.namespace, o.metadata.name), lastGoodObject: o });
    const loaded = await loadLabObjects({ workspace: ws, file: [] });
    assert.equal(managerRootAliasIn(loaded, undefined), "lab-root");
    assert.match(loaded.from, /state directory/);
    const empty = await loadLabObjects({ workspace: tempDir(), file: [] });
    assert.throws(() => chooseManager(empty, undefined), /no LabManager in the state directory .*-f DIR/);
  });

  it("-f with an invalid manifest: its error, not an empty lab", async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, "bad.yaml"),
      "apiVersion: openstacklab.io/v1alpha1\nkind: LabManager\nmetadata: {name: lab}\nspec: {}\n",
    );
    await assert.rejects(loadLabObjects({ workspace: dir, file: [dir] }), /bad.yaml/);
  });
});

describe("the BMC password", () => {
  it("is the one generated into the workspace, cut to IPMI's 20 bytes, read and never created", async () => {
    const uc = undercloudOf(example);
    const ws = new Workspace(tempDir());
    await assert.rejects(bmcPasswordOf(ws.dir, vmOwner(uc)), /no BMC password in .* yet: converge it first/);
    const owner = { kind: uc.kind, namespace: "default", name: "tripleo" };
    assert.equal(await ws.peekPassword(owner, "bmc", "bmc@tripleo"), undefined, "asking created a password");
    const generated = await ws.passwordFor(owner, "bmc", "bmc@tripleo");
    assert.equal(await bmcPasswordOf(ws.dir, vmOwner(uc)), generated.slice(0, 20));
  });

  it("is a passwordRef file's, refused over 20 bytes", async () => {
    const uc = structuredClone(undercloudOf(example));
    const file = join(tempDir(), "bmc");
    writeFileSync(file, "short-one\n");
    uc.spec.bmc!.passwordRef = { key: "password", file };
    assert.equal(await bmcPasswordOf("unused", vmOwner(uc)), "short-one");
    writeFileSync(file, "x".repeat(21));
    await assert.rejects(bmcPasswordOf("unused", vmOwner(uc)), /at most 20 bytes/);
  });

  it("of an overcloud node is its own, generated per node into the workspace", async () => {
    const set = overcloudOf(example);
    const ws = new Workspace(tempDir());
    const node = { kind: "OvercloudNodeSet" as const, set, node: "overcloud-controller-0" };
    await assert.rejects(
      bmcPasswordOf(ws.dir, node),
      /no BMC password of overcloud-controller-0 .* converge it first/,
    );
    const owner = { kind: set.kind, namespace: "default", name: "overcloud" };
    const mine = await ws.passwordFor(owner, "bmc-overcloud-controller-0");
    await ws.passwordFor(owner, "bmc-overcloud-controller-1");
    assert.equal(await bmcPasswordOf(ws.dir, node), mine.slice(0, 20));
  });
});
