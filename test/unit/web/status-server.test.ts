import assert from "node:assert/strict";
import { request } from "node:http";
import { after, before, describe, it } from "node:test";
import { buildTopology, type Topology } from "../../../src/topology/model.js";
import { PAGE_SCRIPT } from "../../../src/web/page-script.js";
import { SCRIPT_HASH, STATUS_PAGE_HTML } from "../../../src/web/page.js";
import { startStatusServer, topologyEvent, type StatusServer } from "../../../src/web/server.js";
import { labObjects, stateWithReady } from "../topology/fixtures.js";

describe("status page server (real HTTP on loopback)", () => {
  let current: Topology = buildTopology({ objects: labObjects(), states: [] });
  let web: StatusServer;
  const url = (path: string) => `http://${web.address}${path}`;

  before(async () => {
    web = await startStatusServer({ address: "127.0.0.1:0", topology: async () => current });
  });
  after(() => web.close());

  it("serves the page with a CSP that allows only its own inline script", async () => {
    const res = await fetch(url("/"));
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/html/);
    const csp = res.headers.get("content-security-policy") ?? "";
    assert.match(csp, /default-src 'none'/);
    assert.ok(csp.includes(`script-src '${SCRIPT_HASH}'`), csp);
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    const html = await res.text();
    assert.ok(html.includes(`<script>${PAGE_SCRIPT}</script>`), "the hashed script is served byte for byte");
    assert.doesNotMatch(html, /https?:\/\/(?!www\.w3\.org)/, "no CDN or other remote resource");
  });

  it("the page's script never hands data to innerHTML, outerHTML, insertAdjacentHTML or document.write", () => {
    assert.doesNotMatch(PAGE_SCRIPT, /innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(/);
    assert.match(PAGE_SCRIPT, /textContent/);
    assert.doesNotMatch(STATUS_PAGE_HTML.replace(PAGE_SCRIPT, ""), /\$\{/, "no template placeholders left");
  });

  it("GET /api/topology returns the current topology as JSON", async () => {
    const res = await fetch(url("/api/topology"));
    assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
    assert.deepEqual(await res.json(), current);
  });

  it("is read-only: other methods are refused and unknown paths are 404", async () => {
    for (const method of ["POST", "PUT", "DELETE", "PATCH"]) {
      const res = await fetch(url("/api/topology"), { method });
      assert.equal(res.status, 405, method);
      assert.equal(res.headers.get("allow"), "GET, HEAD");
    }
    assert.equal((await fetch(url("/api/nothing"))).status, 404);
  });

  it("pushes the topology on the event stream at once and again on publish", async () => {
    const events = await readEvents(url("/api/events"), 2, () => {
      current = buildTopology({
        objects: labObjects(),
        states: [stateWithReady("LabManager", "lab", "False", "Unreachable")],
      });
      web.publish();
    });
    assert.equal(events.length, 2);
    const [first, second] = events.map((e) => JSON.parse(e) as Topology);
    assert.equal(first!.nodes[0]!.ready, "Unknown");
    assert.equal(second!.nodes[0]!.reason, "Unreachable");
  });

  it("an event is one data line even when a message holds newlines", () => {
    const t = buildTopology({
      objects: labObjects(),
      states: [stateWithReady("LabManager", "lab", "False", "X", "line one\nline two\n\ndata: fake")],
    });
    const event = topologyEvent(t);
    assert.equal(event.split("\n").filter((l) => l.startsWith("data:")).length, 1);
    assert.ok(event.endsWith("\n\n"));
  });
});

/** Read `count` SSE topology events; call `afterFirst` once the first arrived. */
function readEvents(url: string, count: number, afterFirst: () => void): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const req = request(url, (res) => {
      let buffer = "";
      const data: string[] = [];
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        buffer += chunk;
        let i;
        while ((i = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          const line = block.split("\n").find((l) => l.startsWith("data: "));
          if (!line) continue;
          data.push(line.slice(6));
          if (data.length === 1) afterFirst();
          if (data.length === count) {
            req.destroy();
            resolve(data);
          }
        }
      });
    });
    req.on("error", (err) => (err.message.includes("aborted") ? undefined : reject(err)));
    req.end();
  });
}
