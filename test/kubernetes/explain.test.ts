// `kubectl explain` against the real kube-apiserver prints the descriptions our zod schemas
// carry: the CRDs publish them through the server's OpenAPI, which the real kubectl reads.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { descriptionsByPath, KIND_INFO, structuralSchema } from "../../src/api/index.js";
import { skipUnlessApiServer } from "../e2e/support/apiserver.js";
import { eventually, startCluster, type TestCluster } from "./support.js";

const skip = await skipUnlessApiServer();

/** kubectl explain wraps long lines; compare with whitespace collapsed. */
const flat = (s: string) => s.replace(/\s+/g, " ");

describe("kubectl explain on the real apiserver", { skip, timeout: 180_000 }, () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await startCluster();
  });
  after(async () => {
    await cluster?.api.stop();
  });

  /** The server publishes a CRD's OpenAPI a moment after it is Established. */
  const explain = (field: string) =>
    eventually(
      () => cluster.kubectl(["explain", field]),
      30_000,
      () => `kubectl explain ${field}`,
    );

  test("labmanager.spec.bridges prints each bridge field with its description, units and default", async () => {
    const out = flat(await explain("labmanager.spec.bridges"));
    const described = descriptionsByPath(structuralSchema("LabManager"));
    assert.ok(out.includes(flat(described.get("spec.bridges")!)), out);
    for (const field of [
      "name",
      "interfaces",
      "dhcp",
      "addresses",
      "stp",
      "forwardDelay",
      "moveDefaultRoute",
    ]) {
      const text = described.get(`spec.bridges[].${field}`)!;
      assert.ok(out.includes(field) && out.includes(flat(text)), `${field}: ${text}\n${out}`);
    }
    assert.match(out, /STP forward delay in seconds/);
  });

  test("every spec field of every kind is explained with its own text", async () => {
    for (const [kind, info] of Object.entries(KIND_INFO)) {
      const out = flat(await explain(`${kind.toLowerCase()}.spec`));
      const described = descriptionsByPath(structuralSchema(kind as keyof typeof KIND_INFO, info));
      const top = [...described.entries()].filter(([p]) => /^spec\.[A-Za-z]+$/.test(p));
      assert.ok(top.length > 5, kind);
      for (const [path, text] of top) assert.ok(out.includes(flat(text)), `${kind} ${path}: ${text}\n${out}`);
    }
  });

  test("a nested field: libvirtnetwork.spec.ipv4.dhcp.ranges.start", async () => {
    const out = flat(await explain("libvirtnetwork.spec.ipv4.dhcp.ranges.start"));
    assert.match(out, /First address handed out, e\.g\. 192\.168\.122\.2\./);
  });
});
