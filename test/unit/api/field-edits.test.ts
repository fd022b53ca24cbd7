import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { kindFieldPaths } from "../../../scripts/field-usage.js";
import { FIELD_EDITS } from "../../e2e/support/field-edits.js";

/** The spec fields of a kind a user sets: every path that has no field below it. */
function specLeaves(kind: string): string[] {
  const all = kindFieldPaths()
    .map((f) => f.path)
    .filter((p) => p.startsWith(`${kind} spec.`))
    .map((p) => p.slice(kind.length + 1));
  return all.filter((p) => !all.some((q) => q.startsWith(`${p}.`) || q.startsWith(`${p}[].`))).sort();
}

describe("the edit table says how an edit of every spec field lands (issue 16)", () => {
  for (const [kind, table] of Object.entries(FIELD_EDITS)) {
    it(`${kind}: one line per spec field of the schema, none for a field that is gone`, () => {
      assert.deepEqual(
        Object.keys(table).sort(),
        specLeaves(kind),
        "add a line to test/e2e/support/field-edits.ts saying how an edit of the new field lands",
      );
    });

    it(`${kind}: every field the sandbox test does not edit says why`, () => {
      for (const [path, edit] of Object.entries(table)) {
        assert.ok(edit.how.length > 15, `${path}: say what an edit does`);
        if ("skip" in edit.e2e) assert.ok(edit.e2e.skip.length > 5, `${path}: say why it is not edited`);
      }
    });
  }

  it("derives the fields from the schema: a nested field and an array item's field are listed", () => {
    assert.ok(specLeaves("LabManager").includes("spec.bridges[].forwardDelay"));
    assert.ok(specLeaves("LibvirtNetwork").includes("spec.ipv4.dhcp.hosts[].mac"));
    assert.ok(!specLeaves("LibvirtNetwork").includes("spec.ipv4"), "a parent is covered by its fields");
  });
});
