import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { z } from "zod";
import { KIND_INFO, KINDS, labManager, labManagerSpec, type SchemaNode } from "../../../src/api/index.js";
import { generatedFiles, staleFiles, writeFiles } from "../../../src/manifests/generated.js";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

/** Every problem that would make the API server call a CRD schema non-structural. */
function structuralProblems(node: SchemaNode, path: string, problems: string[]): string[] {
  if (!node.type && !node["x-kubernetes-int-or-string"]) problems.push(`${path}: no type`);
  for (const key of ["$ref", "$defs", "definitions", "const", "propertyNames", "anyOf", "oneOf", "allOf"]) {
    if (key in node) problems.push(`${path}: ${key}`);
  }
  if (node.additionalProperties === false) problems.push(`${path}: additionalProperties: false`);
  if (node["x-kubernetes-preserve-unknown-fields"]) problems.push(`${path}: preserve-unknown-fields`);
  for (const [name, child] of Object.entries((node.properties as Record<string, SchemaNode>) ?? {})) {
    structuralProblems(child, `${path}.${name}`, problems);
  }
  if (node.items) structuralProblems(node.items as SchemaNode, `${path}[]`, problems);
  if (typeof node.additionalProperties === "object") {
    structuralProblems(node.additionalProperties as SchemaNode, `${path}{}`, problems);
  }
  return problems;
}

function crdOf(files: Map<string, string>, plural: string): SchemaNode {
  return parse(files.get(`crds/${plural}.openstacklab.io.yaml`) ?? "") as SchemaNode;
}

describe("generated CRDs and JSON schemas", () => {
  it("are the same on every run", () => {
    assert.deepEqual(generatedFiles(), generatedFiles());
  });

  it("are checked by a walker that does catch non-structural nodes", () => {
    const bad = { type: "object", properties: { a: {}, b: { type: "string", const: "x" } } };
    assert.deepEqual(structuralProblems(bad, "X", []), ["X.a: no type", "X.b: const"]);
  });

  it("have structural OpenAPI schemas with metadata left to the API server", () => {
    const files = generatedFiles();
    for (const kind of KINDS) {
      const crd = crdOf(files, KIND_INFO[kind].plural) as {
        spec: { versions: { schema: { openAPIV3Schema: SchemaNode } }[] };
      };
      const schema = crd.spec.versions[0]?.schema.openAPIV3Schema as SchemaNode;
      assert.deepEqual(structuralProblems(schema, kind, []), []);
      const metadata = (schema.properties as Record<string, SchemaNode>).metadata;
      assert.equal(metadata?.type, "object");
      assert.equal(metadata?.properties, undefined, "metadata's fields are the API server's");
    }
  });

  it("carry the status subresource, printer columns, short names and category", () => {
    const crd = crdOf(generatedFiles(), "libvirtnetworks") as {
      spec: {
        names: { shortNames: string[]; categories: string[] };
        versions: { subresources: unknown; additionalPrinterColumns: { name: string; jsonPath: string }[] }[];
      };
    };
    const version = crd.spec.versions[0];
    assert.deepEqual(version?.subresources, { status: {} });
    assert.deepEqual(
      version?.additionalPrinterColumns.map((c) => c.name),
      ["MANAGER", "MODE", "READY", "REASON", "AGE"],
    );
    assert.equal(
      version?.additionalPrinterColumns[2]?.jsonPath,
      '.status.conditions[?(@.type=="Ready")].status',
    );
    assert.deepEqual(crd.spec.names.shortNames, ["lvnet"]);
    assert.deepEqual(crd.spec.names.categories, ["openstacklab"]);
  });

  it("keep interface-name validation as maxLength and pattern", () => {
    const schema = JSON.parse(generatedFiles().get("schemas/libvirtnetwork.json") ?? "{}") as {
      properties: { spec: { properties: { bridge: SchemaNode } } };
    };
    const bridge = schema.properties.spec.properties.bridge;
    assert.equal(bridge.maxLength, 15);
    assert.equal(bridge.pattern, "^[A-Za-z0-9_][A-Za-z0-9_.-]*$");
  });

  it("match the committed crds/ and schemas/", async () => {
    assert.deepEqual(await staleFiles(repoRoot, generatedFiles()), []);
  });

  it("report drift when a schema changes", async () => {
    const dir = await mkdtemp(join(tmpdir(), "lab-generate-"));
    try {
      await writeFiles(dir, generatedFiles());
      const changedSpec = labManagerSpec.extend({ newField: z.string().optional() });
      const changed = {
        ...KIND_INFO,
        LabManager: { ...KIND_INFO.LabManager, schema: labManager.extend({ spec: changedSpec }) },
      };
      assert.deepEqual(await staleFiles(dir, generatedFiles(changed)), [
        "crds/labmanagers.openstacklab.io.yaml",
        "schemas/labmanager.json",
        "manifests/deploy/crds.yaml",
        // The Helm chart's copy too: generate:check fails when the chart's CRDs differ.
        "charts/lab-operator/templates/crds.yaml",
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
