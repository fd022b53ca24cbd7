import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { escapeXml, fill, shellWord, singleLine } from "../../../src/render/index.js";

describe("template filling", () => {
  it("escapes {{values}} and inserts {{{fragments}}} as they are", () => {
    assert.equal(fill("<a>{{v}}</a>{{{f}}}", { v: "<&>", f: "<b/>" }, escapeXml), "<a>&lt;&amp;&gt;</a><b/>");
  });

  it("drops a line holding only an empty fragment", () => {
    assert.equal(fill("a\n  {{{f}}}\nb\n", { f: "" }, escapeXml), "a\nb\n");
  });

  it("refuses a template value that is missing", () => {
    assert.throws(
      () => fill("{{name}} {{other}}", { name: "x" }, escapeXml),
      /template value missing: other/,
    );
  });

  it("escapes every XML special character", () => {
    assert.equal(escapeXml(`<tag a="1" b='2'>&`), "&lt;tag a=&quot;1&quot; b=&apos;2&apos;&gt;&amp;");
  });

  it("refuses multi-line values where one line is expected", () => {
    assert.equal(singleLine("a b"), "a b");
    assert.throws(() => singleLine("a\nb"));
    assert.throws(() => singleLine("a\rb"));
  });

  it("quotes shell words, including embedded single quotes", () => {
    assert.equal(shellWord("it's"), `'it'\\''s'`);
  });
});
