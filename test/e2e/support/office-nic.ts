import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { labctl, type LabctlResult } from "./labctl.js";
import { renderManagerManifest } from "./manifests.js";
import {
  controlSandbox,
  type Sandbox,
  skipUnlessSandboxCapable,
  sshRun,
  startSandbox,
  stopSandbox,
} from "./sandbox.js";

/**
 * The seed Manager's two NICs on a sandbox Manager with the office LAN: office0 takes its
 * address from a real DHCP server (dnsmasq on a host bridge of the sandbox's own), host0
 * carries the operator's SSH session. The `public` bridge of manifests/01-labmanager.yaml
 * takes office0 and keeps its lease; then host0 itself goes into a bridge
 * (moveDefaultRoute: true) under the operator's feet. Run on both Manager families: a
 * prebaked Debian one (systemd-networkd files) and the EL one (NetworkManager keyfiles).
 */
export interface OfficeNicVariant {
  title: string;
  variant: "prebaked" | "el";
  /** The LabManager to start from, in test/e2e/manifests/ (its first document). */
  manifest: string;
  prefix: string;
  /** Where office0's own configuration lives (the sandbox wrote it), and its file there. */
  ownConfig: { dir: string; file: RegExp };
}

export const DEBIAN_OFFICE_NIC: OfficeNicVariant = {
  title: "prebaked Debian sandbox, systemd-networkd",
  variant: "prebaked",
  manifest: "manager.yaml",
  prefix: "on",
  ownConfig: { dir: "/etc/systemd/network", file: /20-office0\.network/ },
};

export const EL_OFFICE_NIC: OfficeNicVariant = {
  title: "EL sandbox (Debian packages + local RPM repo double), NetworkManager",
  variant: "el",
  manifest: "el-lab.yaml",
  prefix: "oe",
  ownConfig: { dir: "/etc/NetworkManager/system-connections", file: /sandbox-office0\.nmconnection/ },
};
interface IpLink {
  ifname: string;
  address: string;
  master?: string;
  linkinfo?: { info_kind?: string; info_data?: { stp_state?: number; forward_delay?: number } };
}
interface IpAddr {
  ifname: string;
  addr_info: { family: string; local: string; prefixlen: number }[];
}

const steps = (res: LabctlResult) =>
  res.logs.filter((l) => typeof l.msg === "string" && l.msg.startsWith("step started"));
const ok = (res: LabctlResult, what: string) =>
  assert.equal(res.code, 0, `${what} failed:\n${res.stdout.slice(-3000)}\n${res.stderr.slice(-3000)}`);
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll fn until it returns a value (not undefined) or the deadline passes. */
async function until<T>(what: string, ms: number, fn: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`${what} not within ${ms / 1000}s (last error: ${String(last)})`);
    await delay(500);
  }
}

export function officeNicSuite(v: OfficeNicVariant): void {
  describe(
    `Two NICs like the seed's Manager: office LAN bridge and the SSH NIC (${v.title})`,
    { skip: skipUnlessSandboxCapable() },
    () => {
      let sandbox: Sandbox;
      let dir: string;
      /** office0 as the sandbox booted it: MAC and DHCP address (CIDR). */
      let office: { mac: string; address: string };
      const ws = () => join(dir, "workspace");
      const mf = () => join(dir, "manifests");
      const manager = () => sandbox.managers[0]!;
      const on = (cmd: string[]) => sshRun(sandbox, manager(), cmd);
      const link = async (name: string): Promise<IpLink | undefined> =>
        (JSON.parse(await on(["ip", "-j", "-d", "link", "show"])) as IpLink[]).find((l) => l.ifname === name);
      const ipv4 = async (name: string): Promise<string[]> => {
        const all = JSON.parse(await on(["ip", "-j", "addr", "show"])) as IpAddr[];
        const a = all.find((x) => x.ifname === name)?.addr_info ?? [];
        return a.filter((x) => x.family === "inet").map((x) => `${x.local}/${x.prefixlen}`);
      };
      const defaultRoutes = async () =>
        (
          JSON.parse(await on(["ip", "-j", "route", "show", "default"])) as {
            gateway?: string;
            dev?: string;
          }[]
        ).map((r) => `${r.gateway} ${r.dev}`);
      const leases = async () =>
        (await readFile(sandbox.record.officeLan!.dnsmasq.leaseFile, "utf8"))
          .split("\n")
          .filter(Boolean)
          .map((l) => {
            const [expiry, mac, ip, host, clientId] = l.split(" ");
            return { expiry, mac, ip, host, clientId };
          });
      const officeDhcpAddress = (name: string) =>
        until(`a DHCP address of ${sandbox.record.officeLan!.subnet}.0/24 on ${name}`, 60_000, async () =>
          (await ipv4(name)).find((a) => a.startsWith(`${sandbox.record.officeLan!.subnet}.`)),
        );
      const publicBridge = (spec: Record<string, unknown>) => {
        spec.bridges = [
          {
            name: "public",
            interfaces: ["office0"],
            dhcp: true,
            addresses: ["10.0.2.1/24"],
            stp: true,
            forwardDelay: 2,
          },
        ];
      };

      /** The bridge holds office0 with office0's MAC, its old lease, 10.0.2.1/24, STP, delay 2. */
      async function assertPublicConverged(): Promise<void> {
        const br = await link("public");
        assert.equal(br?.linkinfo?.info_kind, "bridge");
        assert.equal(br.linkinfo.info_data?.stp_state, 1, "STP on");
        assert.equal(br.linkinfo.info_data?.forward_delay, 200, "forward delay 2 s");
        assert.equal((await link("office0"))?.master, "public");
        assert.equal(br.address, office.mac, "the bridge shows the office router office0's MAC");
        const address = await officeDhcpAddress("public");
        assert.equal(address, office.address, "the same DHCP address office0 had");
        assert.ok((await ipv4("public")).includes("10.0.2.1/24"));
        assert.deepEqual(await ipv4("office0"), [], "office0 itself holds no address in the bridge");
        const held = (await leases()).filter((l) => `${l.ip}/24` === office.address);
        assert.equal(held.length, 1, JSON.stringify(await leases()));
        assert.equal(held[0]!.mac, office.mac, "the same lease: same MAC");
        assert.equal(held[0]!.clientId, `01:${office.mac}`, "the same lease: same client id");
      }

      before(async () => {
        const began = Date.now();
        sandbox = await startSandbox({
          count: 1,
          variant: v.variant,
          officeLan: true,
          prefix: `${v.prefix}${process.pid % 100_000}`,
        });
        process.stderr.write(`sandbox with the office LAN up in ${(Date.now() - began) / 1000}s\n`);
        dir = await mkdtemp(join(tmpdir(), "office-nic-e2e-"));
        office = {
          mac: (await link("office0"))!.address,
          address: await officeDhcpAddress("office0"),
        };
      });
      after(async () => {
        await stopSandbox(sandbox);
        if (dir) await rm(dir, { recursive: true, force: true });
      });

      test("the office LAN: office0 has a DHCP lease from the sandbox's dnsmasq", async () => {
        const mine = (await leases()).filter((l) => l.mac === office.mac);
        assert.equal(mine.length, 1);
        assert.equal(`${mine[0]!.ip}/24`, office.address);
        assert.equal((await link("office0"))?.master, undefined);
      });

      test("the public bridge takes office0 and keeps its lease", { timeout: 15 * 60_000 }, async () => {
        await renderManagerManifest(sandbox, manager(), mf(), publicBridge, "manager.yaml", v.manifest);
        ok(await labctl(["apply", "-f", mf(), "--workspace", ws()]), "apply");
        await assertPublicConverged();
      });

      test("a second apply runs no step", { timeout: 5 * 60_000 }, async () => {
        const res = await labctl(["apply", "-f", mf(), "--workspace", ws()]);
        ok(res, "second apply");
        assert.deepEqual(steps(res), []);
      });

      test("a Manager reboot comes back the same", { timeout: 5 * 60_000 }, async () => {
        const bootId = await on(["cat", "/proc/sys/kernel/random/boot_id"]);
        await controlSandbox(sandbox, "reboot", manager().name);
        assert.notEqual(await on(["cat", "/proc/sys/kernel/random/boot_id"]), bootId, "it did reboot");
        await assertPublicConverged();
        const res = await labctl(["apply", "-f", mf(), "--workspace", ws()]);
        ok(res, "apply after the reboot");
        assert.deepEqual(steps(res), []);
      });

      test(
        "deleting the LabManager gives office0 back its own DHCP configuration",
        { timeout: 10 * 60_000 },
        async () => {
          ok(await labctl(["delete", "-f", mf(), "--workspace", ws()]), "delete");
          assert.equal(await link("public"), undefined, "bridge public is gone");
          assert.equal((await link("office0"))?.master, undefined);
          assert.equal(await officeDhcpAddress("office0"), office.address, "office0's own lease again");
          const files = await on(["ls", v.ownConfig.dir]);
          assert.doesNotMatch(files, /lab-public/);
          assert.match(files, v.ownConfig.file, "office0's own file was never touched");
        },
      );

      describe("the NIC carrying the operator's SSH session (host0) into a bridge", () => {
        const lan = (move: boolean) => (spec: Record<string, unknown>) => {
          spec.bridges = [
            {
              name: "lan0",
              interfaces: ["host0"],
              addresses: [`${manager().address}/24`],
              stp: true,
              forwardDelay: 2,
              ...(move ? { moveDefaultRoute: true } : {}),
            },
          ];
        };

        test(
          "without moveDefaultRoute it stays refused (the existing guard)",
          { timeout: 5 * 60_000 },
          async () => {
            await renderManagerManifest(sandbox, manager(), mf(), lan(false), "manager.yaml", v.manifest);
            const res = await labctl(["apply", "-f", mf(), "--workspace", ws()]);
            assert.notEqual(res.code, 0);
            assert.match(
              res.stdout + res.stderr,
              /would take host0, which carries the SSH session or the default route/,
            );
            assert.equal(await link("lan0"), undefined, "nothing was created");
            assert.equal((await link("host0"))?.master, undefined);
          },
        );

        test(
          "with moveDefaultRoute: true it converges and the operator reconnects to the same address",
          { timeout: 15 * 60_000 },
          async () => {
            await renderManagerManifest(sandbox, manager(), mf(), lan(true), "manager.yaml", v.manifest);
            const host0Mac = (await link("host0"))!.address;
            const began = Date.now();
            ok(await labctl(["apply", "-f", mf(), "--workspace", ws()]), "apply");
            const reachable = await until(
              "ssh to the same address",
              60_000,
              async () => (await on(["true"])) === "" || undefined,
            );
            process.stderr.write(`host0 into lan0: apply and reconnect in ${(Date.now() - began) / 1000}s\n`);
            assert.ok(reachable);
            assert.equal((await link("host0"))?.master, "lan0");
            assert.equal((await link("lan0"))?.address, host0Mac, "the bridge answers with host0's MAC");
            assert.deepEqual(await ipv4("lan0"), [`${manager().address}/24`]);
            assert.deepEqual(
              await defaultRoutes(),
              [`${sandbox.record.bridge!.subnet}.1 lan0`],
              "the default route moved too",
            );
            const again = await labctl(["apply", "-f", mf(), "--workspace", ws()]);
            ok(again, "second apply");
            assert.deepEqual(steps(again), []);
          },
        );

        test(
          "a reboot comes back the same, and deletion gives host0 its own configuration",
          { timeout: 10 * 60_000 },
          async () => {
            await controlSandbox(sandbox, "reboot", manager().name);
            assert.equal((await link("host0"))?.master, "lan0");
            assert.deepEqual(await ipv4("lan0"), [`${manager().address}/24`]);
            assert.deepEqual(await defaultRoutes(), [`${sandbox.record.bridge!.subnet}.1 lan0`]);
            const res = await labctl(["apply", "-f", mf(), "--workspace", ws()]);
            ok(res, "apply after the reboot");
            assert.deepEqual(steps(res), []);
            ok(await labctl(["delete", "-f", mf(), "--workspace", ws()]), "delete");
            await until("ssh after the delete", 60_000, async () => (await on(["true"])) === "" || undefined);
            assert.equal(await link("lan0"), undefined);
            assert.deepEqual(await ipv4("host0"), [`${manager().address}/24`]);
            assert.deepEqual(await defaultRoutes(), [`${sandbox.record.bridge!.subnet}.1 host0`]);
          },
        );
      });
    },
  );
}
