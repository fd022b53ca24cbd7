import assert from "node:assert/strict";
import { request } from "node:http";
import { after, before, describe, it } from "node:test";
import { buildTopology } from "../../../src/topology/model.js";
import { hostAllowed } from "../../../src/web/host-check.js";
import { startStatusServer, type StatusServer } from "../../../src/web/server.js";
import { labObjects } from "../topology/fixtures.js";

/** A real HTTP request to the server with the Host header we choose (fetch would not let us). */
function get(
  address: string,
  path: string,
  host: string | undefined,
): Promise<{ status: number; body: string }> {
  const [hostname, port] = [address.slice(0, address.lastIndexOf(":")), Number(address.split(":").at(-1))];
  return new Promise((resolve, reject) => {
    const req = request({
      hostname,
      port,
      path,
      setHost: false,
      headers: host === undefined ? {} : { host },
    });
    req.on("response", (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("the status page refuses other sites' names (DNS rebinding)", () => {
  const topology = buildTopology({ objects: labObjects(), states: [] });
  let web: StatusServer;
  before(async () => {
    web = await startStatusServer({ address: "127.0.0.1:0", topology: async () => topology });
  });
  after(() => web.close());

  it("answers loopback names and its own address", async () => {
    const port = web.address.split(":").at(-1)!;
    for (const host of [
      `127.0.0.1:${port}`,
      `localhost:${port}`,
      "LOCALHOST",
      `127.8.9.10:${port}`,
      `[::1]:${port}`,
    ]) {
      const res = await get(web.address, "/api/topology", host);
      assert.equal(res.status, 200, host);
      assert.deepEqual(JSON.parse(res.body), topology);
    }
  });

  it("refuses a forged Host with 421 and a short text, on every path, without the topology", async () => {
    const port = web.address.split(":").at(-1)!;
    for (const host of [
      `evil.example:${port}`,
      "evil.example",
      `localhost.evil.example:${port}`,
      `127.0.0.1.evil.example`,
      `10.0.0.5:${port}`,
      "",
      undefined,
    ])
      for (const path of ["/", "/api/topology", "/api/events"]) {
        const res = await get(web.address, path, host);
        // Node itself answers 400 to an HTTP/1.1 request without Host; we never answer 200
        if (host === undefined) assert.ok([400, 421].includes(res.status), `${host} ${path}: ${res.status}`);
        else assert.equal(res.status, 421, `${host} ${path}`);
        if (res.status === 421) assert.match(res.body, /^misdirected request: .*\n$/);
        assert.doesNotMatch(res.body, /LabManager|"nodes"/);
      }
  });
});

describe("which Host headers are this status page's", () => {
  it("bound to one address: loopback names and that address", () => {
    assert.ok(hostAllowed("192.168.1.5:8081", "192.168.1.5"));
    assert.ok(hostAllowed("localhost.", "192.168.1.5"));
    assert.ok(!hostAllowed("192.168.1.6:8081", "192.168.1.5"));
    assert.ok(!hostAllowed("attacker.example", "192.168.1.5"));
    assert.ok(!hostAllowed("127.0.0.999", "127.0.0.1"));
    assert.ok(!hostAllowed("[::1", "127.0.0.1"));
  });

  it("bound to every address: any IP literal, never a name", () => {
    for (const bound of ["0.0.0.0", "::"]) {
      assert.ok(hostAllowed("10.1.2.3:8081", bound));
      assert.ok(hostAllowed("[fe80::1]:8081", bound));
      assert.ok(!hostAllowed("rebind.example:8081", bound));
    }
  });
});
