import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { handoffPaths, planHandoff, renderedNodeImport } from "../../../../src/steps/overcloud/index.js";

const who = { user: "tripleo", home: "/home/tripleo", fqdn: "tripleo.localdomain" };
const paths = handoffPaths(who.home);
const CONTENT = '{"nodes": []}\n';

describe("handing the nodes to the undercloud", () => {
  it("renders the centos-tripleo node import: stackrc sourced, the uploaded file imported, introspection when asked", () => {
    const actions = renderedNodeImport("centos-tripleo", who, true);
    assert.deepEqual(
      actions.map((a) => (a.kind === "run" ? a.argv : [])),
      [
        [
          "bash",
          "-c",
          'source "$1/stackrc" && exec openstack overcloud node import "$2"',
          "node-import",
          "/home/tripleo",
          "/home/tripleo/instackenv.json",
        ],
        [
          "bash",
          "-c",
          'source "$1/stackrc" && exec openstack overcloud node introspect --all-manageable --provide',
          "node-introspect",
          "/home/tripleo",
        ],
      ],
    );
    assert.deepEqual(
      actions.map((a) => (a.kind === "run" ? [a.sudo, a.timeoutMs] : [])),
      [
        [false, 30 * 60_000],
        [false, 120 * 60_000],
      ],
    );
    assert.equal(renderedNodeImport("centos-tripleo", who, false).length, 1, "no introspection unless asked");
  });

  it("renders the debian-test imitation with the same variables", () => {
    const actions = renderedNodeImport("debian-test", who, true);
    assert.equal(actions.length, 2);
    assert.deepEqual(actions[0]?.kind === "run" && actions[0].argv.slice(-2), [
      "/home/tripleo",
      "/home/tripleo/instackenv.json",
    ]);
  });

  it("uploads instackenv.json when it differs and imports once per content", () => {
    const importActions = renderedNodeImport("centos-tripleo", who, false);
    const d = { paths, content: CONTENT, importActions };
    assert.deepEqual(
      planHandoff(d, {}).map((s) => s.id),
      ["undercloud/instackenv", "undercloud/import/0", "undercloud/imported"],
    );
    const hash = createHash("sha256").update(CONTENT).digest("hex");
    assert.deepEqual(planHandoff(d, { instackenv: CONTENT, imported: hash }), []);
    assert.deepEqual(
      planHandoff({ ...d, content: '{"nodes": [1]}\n' }, { instackenv: CONTENT, imported: hash }).map(
        (s) => s.id,
      ),
      ["undercloud/instackenv", "undercloud/import/0", "undercloud/imported"],
      "a changed file (a scale, a password) is imported again",
    );
    assert.deepEqual(
      planHandoff({ ...d, importActions: [] }, {}).map((s) => s.id),
      ["undercloud/instackenv"],
      "without import: true the file is only uploaded",
    );
  });

  it("uploads with mode 0600 to the user's home", async () => {
    const uploads: { path: string; mode?: number }[] = [];
    const host = {
      upload: async (path: string, _c: string, o?: { mode?: number }) =>
        void uploads.push({ path, mode: o?.mode }),
    };
    const [step] = planHandoff({ paths, content: CONTENT, importActions: [] }, {});
    await step!.apply({ host: host as never, log: undefined as never });
    assert.deepEqual(uploads, [{ path: "/home/tripleo/instackenv.json", mode: 0o600 }]);
  });
});
