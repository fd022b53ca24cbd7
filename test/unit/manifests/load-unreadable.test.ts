// Files that cannot be read or parsed, and misspellings of our apiVersion, on the example lab
// (manifests/): each is one error line naming the file and the reason, the other files still
// load, and nothing is skipped silently (a skipped file or document looks like a deletion).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatError, parseManifests, validateManifests } from "../../../src/manifests/index.js";

const LAB_MANAGER = await readFile("manifests/01-labmanager.yaml", "utf8");

/** A billion laughs: nine aliases per level, eight levels deep. */
const BOMB = `a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
${Array.from(
  { length: 8 },
  (_, i) =>
    `b${i}: &b${i} [${Array(9)
      .fill(i ? `*b${i - 1}` : "*a")
      .join(",")}]`,
).join("\n")}
`;

/** The example lab in a temp directory (without deploy/, which holds other APIs' objects). */
async function withLab(fn: (dir: string) => Promise<void>): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), "lab-unreadable-"));
  const dir = join(root, "manifests");
  try {
    await mkdir(dir);
    for (const f of ["01-labmanager.yaml", "02-networks.yaml", "03-tripleo.yaml", "04-overcloud.yaml"])
      await cp(join("manifests", f), join(dir, f));
    await fn(dir);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

async function load(dir: string) {
  const r = await validateManifests([dir]);
  return {
    lines: r.errors.map(formatError),
    names: [...r.objects, ...r.previews].map((o) => `${o.object.kind}/${o.object.metadata.name}`),
  };
}

describe("a file that cannot be read or parsed", () => {
  it("an alias bomb is one error line naming the file; the other files' objects load and validate", async () => {
    await withLab(async (dir) => {
      await writeFile(join(dir, "05-bomb.yaml"), BOMB);
      const { lines, names } = await load(dir);
      assert.deepEqual(lines, [
        `${dir}/05-bomb.yaml:1: YAML: Excessive alias count indicates a resource exhaustion attack`,
      ]);
      assert.equal(names.length, 6, names.join(", "));
      assert.ok(names.includes("LabManager/lab") && names.includes("LibvirtNetwork/public"));
    });
  });

  it("an alias bomb next to a document in one file: the document still loads", () => {
    const r = parseManifests(`${BOMB}---\n${LAB_MANAGER}`, "lab.yaml");
    assert.deepEqual(r.errors.map(formatError), [
      "lab.yaml:1: YAML: Excessive alias count indicates a resource exhaustion attack",
    ]);
    assert.deepEqual(
      r.objects.map((o) => o.object.metadata.name),
      ["lab"],
    );
  });

  it("a binary file is one error line naming it", async () => {
    await withLab(async (dir) => {
      await writeFile(join(dir, "02-networks.yaml"), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 0xff]));
      const { lines } = await load(dir);
      assert.equal(lines[0], `${dir}/02-networks.yaml:0: not a text file (binary or not UTF-8)`);
      // The undercloud's NICs name the networks that are gone: its own errors, not more file lines.
      assert.ok(!lines.slice(1).some((l) => l.startsWith(`${dir}/02-networks.yaml`)), lines.join("\n"));
    });
  });

  it("a symlink inside the manifest directory is followed (each real file read once)", async () => {
    await withLab(async (dir) => {
      await mkdir(join(dir, "store"));
      await cp(join(dir, "02-networks.yaml"), join(dir, "store", "networks.txt"));
      await rm(join(dir, "02-networks.yaml"));
      await symlink(join(dir, "store", "networks.txt"), join(dir, "02-networks.yaml"));
      await symlink("01-labmanager.yaml", join(dir, "00-same-manager.yaml"));
      const { lines, names } = await load(dir);
      assert.deepEqual(lines, []);
      assert.equal(names.length, 6, names.join(", "));
    });
  });

  it("a symlink out of the manifest directory, a dangling one and a loop are errors naming them", async () => {
    await withLab(async (dir) => {
      const outside = join(dir, "..", "elsewhere.yaml");
      await cp(join(dir, "02-networks.yaml"), outside);
      await rm(join(dir, "02-networks.yaml"));
      await symlink(outside, join(dir, "02-networks.yaml"));
      await symlink(join(dir, "nowhere.yaml"), join(dir, "05-dangling.yaml"));
      await symlink(join(dir, "06-loop.yaml"), join(dir, "06-loop.yaml"));
      await symlink("root@lab.4242:1700000000", join(dir, ".#02-networks.yaml")); // Emacs' lock: skipped
      const { lines } = await load(dir);
      const own = lines.filter((l) => /\/0[256]-[a-z]+\.yaml:0:/.test(l));
      assert.equal(own.length, 3, lines.join("\n"));
      assert.ok(!lines.some((l) => l.includes(".#")), lines.join("\n"));
      assert.match(
        own[0]!,
        /02-networks\.yaml:0: symlink points outside the manifest directory, to \S*elsewhere\.yaml$/,
      );
      assert.match(
        own[1]!,
        /05-dangling\.yaml:0: cannot read: broken symlink \(ENOENT: no such file or directory\)$/,
      );
      assert.match(
        own[2]!,
        /06-loop\.yaml:0: cannot read: broken symlink \(ELOOP: too many symbolic links encountered\)$/,
      );
    });
  });
});

describe("a misspelled apiVersion of our group", () => {
  const misspelled = [
    "OpenStackLab.io/v1alpha1",
    "openstack-lab.io/v1alpha1",
    "openstacklab.io",
    "openstacklab.io/v1beta7",
    "openstacklab.io/",
    "openstacklabs.io/v1alpha1",
    "opnestacklab.io/v1alpha1",
    "openstacklab.com/v1alpha1",
    "OPENSTACKLAB.IO/V1ALPHA1",
  ];
  for (const apiVersion of misspelled) {
    it(`${apiVersion} is an error naming the object, not a document of another API`, () => {
      const text = LAB_MANAGER.replace("apiVersion: openstacklab.io/v1alpha1", `apiVersion: ${apiVersion}`);
      const r = parseManifests(text, "01-labmanager.yaml");
      assert.deepEqual(r.skipped, []);
      assert.deepEqual(r.errors.map(formatError), [
        `01-labmanager.yaml:1 LabManager/lab apiVersion: unknown apiVersion ${JSON.stringify(apiVersion)}, expected "openstacklab.io/v1alpha1"`,
      ]);
      assert.deepEqual(r.errors[0]!.key, { kind: "LabManager", namespace: "default", name: "lab" });
    });
  }

  it("a kubectl List holding our objects is an error, not a document of another API", () => {
    const list = `apiVersion: v1\nkind: List\nitems:\n${LAB_MANAGER.replace(/^(?!#)(.+)$/gm, "    $1").replace(/^ {4}apiVersion/m, "  - apiVersion")}`;
    const r = parseManifests(list, "lab-list.yaml");
    assert.deepEqual(r.skipped, []);
    assert.deepEqual(r.errors.map(formatError), [
      "lab-list.yaml:1 List/? items: a List holding objects of our group: write each object as a document of its own",
    ]);
    const foreign = parseManifests(
      "apiVersion: v1\nkind: List\nitems:\n  - { apiVersion: apps/v1, kind: Deployment }\n",
      "x.yaml",
    );
    assert.deepEqual([foreign.errors, foreign.skipped.length], [[], 1]);
  });

  it("other APIs are still skipped", () => {
    for (const apiVersion of [
      "v1",
      "apps/v1",
      "networking.k8s.io/v1",
      "kustomize.config.k8s.io/v1beta1",
      "cert-manager.io/v1",
    ]) {
      const r = parseManifests(`apiVersion: ${apiVersion}\nkind: Thing\nmetadata: { name: lab }\n`, "x.yaml");
      assert.deepEqual([r.errors, r.skipped.length], [[], 1], apiVersion);
    }
  });
});
