/**
 * The status page of `labctl run --web` in headless Chromium against a prebaked sandbox
 * Manager: the drawn Manager, bridges and networks turn Ready; a network broken by hand
 * (destroyed, its bridge name taken so the repair fails) turns not-Ready live, `labctl
 * describe` shows the failing step, its purpose and stderr tail without a secret, and the
 * page turns Ready again once the obstacle is gone. Screenshots go to test/artifacts/.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { chromium, type Browser, type Page } from "playwright-core";
import { labctl, RunningLabctl } from "./support/labctl.js";
import { networksYaml, renderManagerManifest } from "./support/manifests.js";
import { type Sandbox, sandboxSkipReason, sshRun, startSandbox, stopSandbox } from "./support/sandbox.js";

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = fileURLToPath(new URL("../artifacts/", import.meta.url));
const NAT = "hypervisor-control-plane";

function skipReason(): false | string {
  const reason =
    sandboxSkipReason() ??
    (existsSync(CHROMIUM)
      ? undefined
      : `${CHROMIUM} is missing: scripts/setup.sh installs Debian's chromium`);
  if (!reason) return false;
  process.stderr.write(`\n*** SKIPPING status page e2e test: ${reason} ***\n\n`);
  return reason;
}

const NETWORKS = [
  {
    name: NAT,
    spec: {
      mode: "nat",
      bridge: "hypervisor",
      ipv4: {
        address: "192.168.122.1/24",
        dhcp: { ranges: [{ start: "192.168.122.2", end: "192.168.122.254" }] },
      },
    },
  },
  // Forwards onto the Manager's host bridge labbr0 (from test/e2e/manifests/manager.yaml).
  { name: "openstack-control-plane", spec: { mode: "bridge", bridge: "labbr0" } },
];

interface DrawnNode {
  id: string;
  kind: string;
  name: string;
  ready: string;
  reason: string;
  text: string;
}

/** What the page drew: one entry per SVG node group, read from the DOM. */
function drawnNodes(page: Page): Promise<DrawnNode[]> {
  return page.$$eval("g.node", (groups) =>
    groups.map((g) => ({
      id: g.getAttribute("data-id") ?? "",
      kind: g.getAttribute("data-kind") ?? "",
      name: g.getAttribute("data-name") ?? "",
      ready: g.getAttribute("data-ready") ?? "",
      reason: g.getAttribute("data-reason") ?? "",
      text: g.textContent ?? "",
    })),
  );
}

async function waitForNodes(
  page: Page,
  what: string,
  ok: (nodes: DrawnNode[]) => boolean,
  timeoutMs: number,
): Promise<DrawnNode[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const nodes = await drawnNodes(page);
    if (ok(nodes)) return nodes;
    if (Date.now() > deadline)
      throw new Error(`page never showed ${what} within ${timeoutMs} ms: ${JSON.stringify(nodes, null, 1)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const natNode = (nodes: DrawnNode[]) => nodes.find((n) => n.kind === "LibvirtNetwork" && n.name === NAT);

describe("status page of labctl run --web in headless Chromium", { skip: skipReason() }, () => {
  let sandbox: Sandbox | undefined;
  let dir = "";
  let op: RunningLabctl | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  let url = "";
  const ws = () => join(dir, "workspace");
  const mf = () => join(dir, "manifests");
  const on = (cmd: string[]) => sshRun(sandbox!, sandbox!.managers[0]!, cmd);

  before(
    async () => {
      sandbox = await startSandbox({ count: 1, variant: "prebaked", prefix: `wp${process.pid % 100_000}` });
      dir = await mkdtemp(join(tmpdir(), "status-page-e2e-"));
      await renderManagerManifest(sandbox, sandbox.managers[0]!, mf(), (spec) => {
        spec.virtualBMC = { enabled: false };
      });
      await writeFile(join(mf(), "networks.yaml"), networksYaml(NETWORKS));
      await mkdir(ARTIFACTS, { recursive: true });
      op = new RunningLabctl([
        "run",
        ...["-f", mf(), "--workspace", ws(), "--metrics-address", "off", "--web", "127.0.0.1:0"],
      ]);
      const line = await op.waitForLog((l) => l.msg === "serving the status page", 60_000);
      url = String(line.url);
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox"] });
      page = await browser.newPage({ viewport: { width: 1280, height: 520 } });
      await page.goto(url);
    },
    { timeout: 20 * 60_000 },
  );
  after(async () => {
    await browser?.close();
    await op?.stop("SIGTERM");
    await stopSandbox(sandbox);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test(
    "draws the Manager, its bridges and networks, and they turn Ready",
    { timeout: 15 * 60_000 },
    async () => {
      const nodes = await waitForNodes(
        page!,
        "every node Ready",
        (ns) => ns.length === 5 && ns.every((n) => n.ready === "True"),
        14 * 60_000,
      );
      assert.deepEqual(nodes.map((n) => `${n.kind}/${n.name}`).sort(), [
        "Bridge/hypervisor",
        "Bridge/labbr0",
        "LabManager/manager",
        `LibvirtNetwork/${NAT}`,
        "LibvirtNetwork/openstack-control-plane",
      ]);
      assert.match(natNode(nodes)!.text, /nat 192\.168\.122\.1\/24/);
      assert.match(natNode(nodes)!.text, /Ready=True Converged/);
      // Manager → labbr0 → openstack-control-plane; Manager → hypervisor (libvirt's) → NAT network.
      assert.equal(await page!.locator("line.edge").count(), 4);
      assert.match((await page!.textContent("#connection")) ?? "", /live/);
      await page!.screenshot({ path: join(ARTIFACTS, "status-page.png"), fullPage: true });
    },
  );

  test(
    "a network broken by hand turns not-Ready live, describe says why, and it turns Ready again",
    { timeout: 10 * 60_000 },
    async () => {
      // Destroy the network and take its bridge's name at once, so the repair's start fails.
      await on(["sh", "-c", `virsh net-destroy ${NAT} && ip link add hypervisor type bridge`]);
      const broken = await waitForNodes(
        page!,
        `${NAT} not Ready`,
        (ns) => natNode(ns)?.ready === "False",
        3 * 60_000,
      );
      assert.equal(natNode(broken)!.reason, "CommandFailed");
      await page!.screenshot({ path: join(ARTIFACTS, "status-page-failed.png"), fullPage: true });

      const res = await labctl(["describe", `LibvirtNetwork/${NAT}`, "--workspace", ws()]);
      assert.equal(res.code, 0, res.stderr);
      console.log(res.stdout.replace(/^/gm, "# "));
      assert.match(res.stdout, new RegExp(`Step: +network/${NAT}/start`));
      assert.match(res.stdout, new RegExp(`Purpose: +virsh start network ${NAT}`));
      assert.match(res.stdout, /Ended: +exit code [1-9]/);
      assert.match(res.stdout, /Stderr \(last lines\):\n {4}\S/);
      await assertNoSecretIn(res.stdout);

      await on(["ip", "link", "del", "hypervisor"]);
      const healed = await waitForNodes(
        page!,
        `${NAT} Ready again`,
        (ns) => natNode(ns)?.ready === "True",
        5 * 60_000,
      );
      assert.equal(healed.length, 5);
      assert.match(await on(["virsh", "net-info", NAT]), /Active:\s+yes/);
    },
  );

  test("user strings are drawn as text, never parsed as markup", { timeout: 60_000 }, async () => {
    const evil = '<img src=x onerror="window.__injected=1">';
    await page!.evaluate((reason) => {
      const render = (globalThis as unknown as { renderTopology: (t: unknown) => void }).renderTopology;
      render({
        nodes: [
          {
            id: "LabManager/default/x",
            kind: "LabManager",
            name: "<b>x</b>",
            namespace: "default",
            manager: "x",
            ready: "False",
            reason,
            message: reason,
            detail: reason,
          },
        ],
        edges: [],
      });
    }, evil);
    assert.equal(await page!.locator("img, b").count(), 0, "no element created from data");
    assert.equal(
      await page!.evaluate(() => (globalThis as unknown as { __injected?: number }).__injected),
      undefined,
    );
    assert.match((await page!.textContent("g.node")) ?? "", /<b>x<\/b>/);
    // The page is read-only: nothing but GET (and HEAD) is served.
    const post = await fetch(new URL("api/topology", url), { method: "POST" });
    assert.equal(post.status, 405);
  });

  /** No generated password or private key of the workspace appears in the text. */
  async function assertNoSecretIn(text: string): Promise<void> {
    const secrets: string[] = [];
    for (const sub of ["passwords", "keys"]) {
      const d = join(ws(), sub);
      if (!existsSync(d)) continue;
      // keys|passwords/<Kind>/<namespace>/<name>/<role>: every file below, at any depth.
      for (const entry of await readdir(d, { recursive: true, withFileTypes: true })) {
        if (!entry.isFile() || entry.name.endsWith(".pub")) continue;
        const value = (await readFile(join(entry.parentPath, entry.name), "utf8")).trim();
        // A key file: check each body line; a password: the whole value.
        secrets.push(
          ...(value.includes("\n")
            ? value.split("\n").filter((l) => l.length > 20 && !l.startsWith("-----"))
            : [value]),
        );
      }
    }
    assert.ok(secrets.length > 0, "the workspace holds at least the operator's key");
    for (const secret of secrets)
      assert.ok(!text.includes(secret), "a workspace secret leaked into describe");
  }
});
