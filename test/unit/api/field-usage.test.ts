import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import type { SchemaNode } from "../../../src/api/index.js";
import {
  FIELD_USAGE_ALLOWED,
  fieldPaths,
  fieldUsage,
  kindFieldPaths,
  namesUsed,
} from "../../../scripts/field-usage.js";

const SRC = fileURLToPath(new URL("../../../src", import.meta.url));

describe("every schema field acts: src/ reads it", () => {
  it("no field of any kind is read nowhere, and the allow-list holds only what is still unread", () => {
    const usage = fieldUsage(SRC);
    assert.deepEqual(usage.unread, [], "implement these fields, drop them, or allow them with a reason");
    assert.deepEqual(usage.staleAllowed, [], "drop these entries from FIELD_USAGE_ALLOWED");
  });

  it("every allow-list entry gives its reason", () => {
    for (const [path, reason] of Object.entries(FIELD_USAGE_ALLOWED))
      assert.ok(reason.trim().length > 20, `${path}: say why it is not read`);
  });

  it("walks every kind's spec and status, the example lab's fields included", () => {
    const paths = kindFieldPaths().map((f) => f.path);
    for (const p of [
      "LabManager spec.bridges[].name",
      "LabManager spec.virtualBMC.openFirewall",
      "LibvirtNetwork spec.ipv4.dhcp.ranges[].start",
      "TripleOUndercloud spec.osVariant",
      "LabManager status.osFamily",
    ])
      assert.ok(paths.includes(p), p);
    assert.ok(
      !paths.some((p) => / (metadata|apiVersion|kind)\b/.test(p)),
      "the API server's fields are not ours",
    );
  });
});

describe("fieldPaths", () => {
  it("goes through objects, array items and unions; map keys are not fields", () => {
    const schema: SchemaNode = {
      type: "object",
      properties: {
        list: { type: "array", items: { type: "object", properties: { inner: { type: "string" } } } },
        either: {
          anyOf: [
            { type: "object", properties: { a: { type: "string" } } },
            { type: "object", properties: { b: { type: "string" } } },
          ],
        },
        map: { type: "object", additionalProperties: { type: "object", properties: { deep: {} } } },
      },
    };
    assert.deepEqual(
      fieldPaths(schema, "K").map((f) => `${f.path}=${f.leaf}`),
      [
        "K list=list",
        "K list[].inner=inner",
        "K either=either",
        "K either.a=a",
        "K either.b=b",
        "K map=map",
        "K map{}.deep=deep",
      ],
    );
  });
});

describe("namesUsed", () => {
  const source = `
    // spec.commented is only in a comment
    /* spec.blockCommented too */
    interface Declared { declaredOnly: string }
    const s = "quotedOnly";
    const a = spec.dotted + spec?.optional + spec["bracketed"];
    const { destructured, renamed: other } = spec;
    if ("checked" in spec) void 0;
    status = { writtenKey: 1, shorthand };
    function f({ param }: { param: string }) { return param; }
  `;
  const { read, written } = namesUsed(source);

  it("counts reads: property access, optional chaining, brackets, destructuring, `in`", () => {
    for (const name of ["dotted", "optional", "bracketed", "destructured", "renamed", "checked", "param"])
      assert.ok(read.has(name), name);
  });

  it("counts object literal keys as writes, not reads", () => {
    assert.ok(written.has("writtenKey") && written.has("shorthand"));
    assert.ok(!read.has("writtenKey") && !read.has("shorthand"));
  });

  it("does not count comments, type declarations or strings", () => {
    for (const name of ["commented", "blockCommented", "declaredOnly", "quotedOnly", "other"])
      assert.ok(!read.has(name) && !written.has(name), name);
  });
});

describe("fieldUsage on a planted src/", () => {
  const fields = [
    { path: "K spec.read", leaf: "read" },
    { path: "K spec.onlyInApi", leaf: "onlyInApi" },
    { path: "K spec.writtenSpec", leaf: "writtenSpec" },
    { path: "K status.writtenStatus", leaf: "writtenStatus" },
    { path: "K spec.allowedUnread", leaf: "allowedUnread" },
  ];
  const planted = () => {
    const dir = mkdtempSync(join(tmpdir(), "field-usage-"));
    mkdirSync(join(dir, "api"));
    mkdirSync(join(dir, "steps"));
    writeFileSync(join(dir, "api", "k.ts"), "export const x = spec.onlyInApi;");
    writeFileSync(
      join(dir, "steps", "k.ts"),
      "export const y = spec.read; export const d = { writtenSpec: 1 }; status = { writtenStatus: 2 };",
    );
    return dir;
  };

  it("reports a spec field read only in src/api/ or only written, not a written status field", () => {
    const dir = planted();
    try {
      const usage = fieldUsage(dir, fields, { "K spec.allowedUnread": "planted", "K spec.read": "stale" });
      assert.deepEqual(usage.unread, ["K spec.onlyInApi", "K spec.writtenSpec"]);
      assert.deepEqual(usage.staleAllowed, ["K spec.read"], "an entry for a field that is read is stale");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
