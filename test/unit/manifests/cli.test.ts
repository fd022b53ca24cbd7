import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { parseAllDocuments } from "yaml";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const labctl = join(repoRoot, "bin", "labctl.js");

async function run(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [labctl, ...args], {
      cwd,
      env: { ...process.env, LABCTL_FROM_SOURCE: "1" },
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

async function edit(file: string, from: string, to: string): Promise<void> {
  const text = await readFile(file, "utf8");
  assert.ok(text.includes(from), `${file} contains ${from}`);
  await writeFile(file, text.replace(from, to));
}

describe("labctl validate", () => {
  it("accepts the example manifests", async () => {
    const r = await run(["validate", "-f", "manifests/"], repoRoot);
    assert.equal(r.stderr, "");
    // manifests/deploy/ (the operator's own Kubernetes objects) is skipped, not validated.
    assert.match(r.stdout, /^6 objects valid( \(\d+ documents of other APIs skipped\))?\n$/);
    assert.equal(r.code, 0);
  });

  it("prints one line per problem and exits 1 on a corrupted copy", async () => {
    const dir = await mkdtemp(join(tmpdir(), "lab-validate-"));
    try {
      await cp(join(repoRoot, "manifests"), join(dir, "manifests"), { recursive: true });
      const networks = join(dir, "manifests", "02-networks.yaml");
      await edit(networks, "bridge: public", "bridge: public-bridge-01");
      await edit(networks, "end: 192.168.122.254", "end: 192.168.123.254");
      await edit(
        join(dir, "manifests", "03-tripleo.yaml"),
        "managerRef:\n    name: lab",
        "managerRef:\n    name: nope",
      );
      await writeFile(
        join(dir, "manifests", "04-broken.yaml"),
        "kind: LabManager\nmetadata:\n  name: a\n name: b\n",
      );
      const r = await run(["validate", "-f", "manifests/"], dir);
      assert.equal(r.code, 1);
      assert.equal(r.stdout, "");
      assert.deepEqual(r.stderr.trimEnd().split("\n"), [
        "manifests/02-networks.yaml:1 LibvirtNetwork/hypervisor-control-plane spec.ipv4.dhcp.ranges[0].end: 192.168.123.254 is outside the network's subnet 192.168.122.0/24",
        "manifests/02-networks.yaml:3 LibvirtNetwork/public spec.bridge: must be at most 15 bytes (Linux IFNAMSIZ)",
        'manifests/03-tripleo.yaml:1 TripleOUndercloud/tripleo spec.managerRef.name: LabManager "nope" not found in namespace "default"',
        'manifests/03-tripleo.yaml:1 TripleOUndercloud/tripleo spec.nics[0].networkRef.name: LibvirtNetwork "hypervisor-control-plane" is on LabManager "lab", not "nope"',
        'manifests/03-tripleo.yaml:1 TripleOUndercloud/tripleo spec.nics[1].networkRef.name: LibvirtNetwork "openstack-control-plane" is on LabManager "lab", not "nope"',
        "manifests/04-broken.yaml:1: YAML: All mapping items must start at the same column at line 4, column 1",
        // The node set's undercloud now lives on another Manager than the set.
        'manifests/04-overcloud.yaml:1 OvercloudNodeSet/overcloud spec.undercloudRef.name: TripleOUndercloud "tripleo" is on LabManager "nope", not "lab"',
        "7 errors",
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("labctl crds", () => {
  it("prints the four CRDs as one YAML stream", async () => {
    const r = await run(["crds"], repoRoot);
    assert.equal(r.code, 0);
    const docs = parseAllDocuments(r.stdout) as unknown as { toJS(): { metadata: { name: string } } }[];
    assert.deepEqual(
      docs.map((d) => d.toJS().metadata.name),
      [
        "labmanagers.openstacklab.io",
        "libvirtnetworks.openstacklab.io",
        "tripleounderclouds.openstacklab.io",
        "overcloudnodesets.openstacklab.io",
      ],
    );
  });
});
