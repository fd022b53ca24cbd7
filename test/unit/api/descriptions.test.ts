import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { z } from "zod";
import {
  CRD_UNDESCRIBED,
  descriptionProblems,
  descriptionsByPath,
  KIND_INFO,
  KINDS,
  kindJsonSchema,
  type SchemaNode,
} from "../../../src/api/index.js";
import { crdFileName, generatedFiles, schemaFileName } from "../../../src/manifests/generated.js";

const files = generatedFiles();

function crdSchema(kind: (typeof KINDS)[number]): SchemaNode {
  const crd = parse(files.get(crdFileName(KIND_INFO[kind])) ?? "") as {
    spec: { versions: { schema: { openAPIV3Schema: SchemaNode } }[] };
  };
  return crd.spec.versions[0]!.schema.openAPIV3Schema;
}

function jsonSchema(kind: (typeof KINDS)[number]): SchemaNode {
  return JSON.parse(files.get(schemaFileName(kind)) ?? "{}") as SchemaNode;
}

const show = (problems: { path: string; problem: string }[]) =>
  problems.map((p) => `${p.path}: ${p.problem}`).join("\n");

describe("field descriptions (what kubectl explain and editors show)", () => {
  for (const kind of KINDS) {
    it(`every ${kind} CRD field has a one-sentence description`, () => {
      // metadata is the API server's: it refuses a description there (kubectl explain shows ObjectMeta's).
      const problems = descriptionProblems(crdSchema(kind), kind, { exempt: CRD_UNDESCRIBED });
      assert.equal(show(problems), "", "describe these fields in src/api with .describe()");
    });

    it(`every ${kind} JSON Schema field has one, with the same text as the CRD`, () => {
      assert.equal(show(descriptionProblems(jsonSchema(kind), kind)), "");
      const crd = descriptionsByPath(crdSchema(kind));
      const json = descriptionsByPath(jsonSchema(kind));
      // apiVersion, kind and metadata belong to the API server in a CRD; spec and status are ours.
      const ours = [...json.keys()].filter((p) => p.startsWith("spec") || p.startsWith("status"));
      assert.ok(ours.length > 30, `${kind}: ${ours.length} described fields`);
      for (const path of ours) assert.equal(crd.get(path), json.get(path), `${kind} ${path}`);
    });
  }

  it("finds a field without a description, at any depth, through arrays and maps", () => {
    const schema = kindJsonSchema(
      "LabManager",
      z.object({
        spec: z
          .object({
            ok: z.string().describe("Fine."),
            bare: z.string(),
            list: z.array(z.object({ inner: z.number() })).describe("Items."),
            map: z.record(z.string(), z.object({ deep: z.boolean() })).describe("A map."),
            sloppy: z.string().describe("no period"),
          })
          .describe("The spec."),
      }),
    );
    assert.deepEqual(
      descriptionProblems(schema).map((p) => `${p.path}: ${p.problem}`),
      [
        "spec.bare: has no description",
        "spec.list[].inner: has no description",
        "spec.map{}.deep: has no description",
        "spec.sloppy: description does not end with a period",
      ],
    );
  });

  it("describes LabManager spec.bridges with units and defaults a user can act on", () => {
    const bridges = descriptionsByPath(crdSchema("LabManager"));
    assert.match(bridges.get("spec.bridges[].forwardDelay") ?? "", /seconds.*default 2/);
    assert.match(bridges.get("spec.bridges[].name") ?? "", /15 bytes/);
    assert.match(bridges.get("spec.resyncInterval") ?? "", /default 5m/);
  });
});
