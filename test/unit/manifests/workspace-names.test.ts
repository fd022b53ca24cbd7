// ssh.config aliases come from the objects (the example lab's own names); two objects never
// share one, and a VM never jumps through itself. Refused by validate, before anything is written.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { sshAliasesOf, type LabManager, type TripleOUndercloud } from "../../../src/api/index.js";
import {
  crossValidate,
  formatError,
  loadManifests,
  type LoadedObject,
} from "../../../src/manifests/index.js";

const manifestsDir = fileURLToPath(new URL("../../../manifests/", import.meta.url));
let example: LoadedObject[] = [];

before(async () => {
  const loaded = await loadManifests([manifestsDir]);
  assert.deepEqual(loaded.errors, []);
  example = loaded.objects;
});

const lab = () => structuredClone(example);
const find = <T>(objects: LoadedObject[], kind: string) =>
  objects.find((o) => o.object.kind === kind)!.object as T;
const aliasErrors = (objects: LoadedObject[]) =>
  crossValidate(objects)
    .map(formatError)
    .filter((e) => e.includes("ssh.config alias"));

describe("ssh.config aliases", () => {
  it("come from the example lab's own names", () => {
    const objects = lab();
    assert.deepEqual(
      objects.flatMap((o) => sshAliasesOf(o.object).map((a) => a.alias)),
      ["lab-root", "lab", "tripleo"],
    );
    assert.deepEqual(aliasErrors(objects), []);
  });

  it("a VM named like its Manager's user alias is refused, naming both", () => {
    const objects = lab();
    find<TripleOUndercloud>(objects, "TripleOUndercloud").spec.domainName = "lab";
    const [error] = aliasErrors(objects);
    assert.match(
      error ?? "",
      /TripleOUndercloud\/\S+ spec\.domainName: ssh\.config alias "lab" .* is already LabManager "lab"'s/,
    );
  });

  it("a VM whose alias is its Manager's root login (it would jump through itself) is refused", () => {
    const objects = lab();
    find<TripleOUndercloud>(objects, "TripleOUndercloud").spec.domainName = "lab-root";
    assert.equal(aliasErrors(objects).length, 1);
  });

  it("two VMs with one domain name on two Managers are refused; other namespaces get their own aliases", () => {
    const objects = lab();
    const second = structuredClone(objects.filter((o) => o.object.kind !== "LibvirtNetwork"));
    const m2 = find<LabManager>(second, "LabManager");
    m2.metadata.name = "lab2";
    m2.spec.address = "192.168.1.11";
    const uc2 = find<TripleOUndercloud>(second, "TripleOUndercloud");
    uc2.metadata.name = "undercloud2";
    uc2.spec.managerRef.name = "lab2";
    uc2.spec.domainName = find<TripleOUndercloud>(objects, "TripleOUndercloud").spec.domainName ?? "tripleo";
    assert.equal(aliasErrors([...objects, ...second]).length, 1, "domain tripleo twice");
    for (const o of second) o.object.metadata.namespace = "team-b";
    assert.deepEqual(
      second.flatMap((o) => sshAliasesOf(o.object).map((a) => a.alias)),
      ["team-b.lab2-root", "team-b.lab2", "team-b.tripleo"],
    );
    assert.deepEqual(aliasErrors([...objects, ...second]), []);
  });
});
