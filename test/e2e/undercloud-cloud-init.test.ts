/**
 * The operator's NoCloud seed against the REAL cloud-init: a TripleOUndercloud booted from
 * the Debian 12 guest of test/guest/build-cloud-image.sh (cloud-init, OpenSSH, sudo, a
 * systemd boot; NOT CentOS) on a prebaked sandbox Manager under QEMU, converged through
 * `labctl apply` with the debian-test guest profile. Everything the seed declares is checked
 * in the guest over the real ssh client and the workspace's ssh.config (pinned host key,
 * StrictHostKeyChecking): a non-root user whose sudo is real, its groups and key, host and
 * fully qualified names, timezone, nameserver, the password hash, cloud-init's own verdict,
 * and cloud-init disabled after the first boot. Then a shutdown and start on the Manager:
 * the same host key, cloud-init not run again, and nothing for the next apply to do.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { quoteArgv } from "../../src/remote/quote.js";
import { sha512Crypt } from "../../src/steps/undercloud/password-hash.js";
import { labctl } from "./support/labctl.js";
import { skipUnlessSandboxCapable } from "./support/sandbox.js";
import {
  conditionOf,
  DOMAIN,
  runWithStdin,
  startUndercloudLab,
  type UndercloudLab,
} from "./undercloud-lab.js";

const VM_SECRETS = ["TripleOUndercloud", "default", "undercloud"];
const SEED = `/var/lib/libvirt/images/${DOMAIN}-cloud-init.iso`;
const CLOUD_INIT = {
  user: "tripleo",
  groups: ["wheel", "adm"],
  fqdn: "tripleo.lab.test",
  timezone: "Europe/Paris",
  // A loopback address: the guest never sends a query anywhere with it, and it is not the
  // DHCP server's (which is the Manager's network address), so it can only come from the seed.
  nameserver: "127.0.0.99",
  disableAfterFirstBoot: true,
};
/** Logged by cloud-init whenever cloud-config has an `output:` setting (the seed's, as the original's). */
const OUTPUT_REDIRECT_WARNING = /main\.py\[WARNING\]: Stdout, stderr changing to/;

describe(
  "the seed against the real cloud-init (Debian 12 test guest)",
  { skip: skipUnlessSandboxCapable() },
  () => {
    let lab: UndercloudLab | undefined;
    const apply = async (what: string) => {
      const t = Date.now();
      const res = await labctl(["apply", "-f", lab!.manifests, "--workspace", lab!.workspace], {
        timeoutMs: 30 * 60_000,
      });
      assert.equal(res.code, 0, `${what} failed:\n${res.stdout.slice(-3000)}\n${res.stderr.slice(-4000)}`);
      console.log(`# ${what}: ${Date.now() - t} ms`);
      return res;
    };
    /** The real ssh client with the workspace's ssh.config: ProxyJump through the Manager, pinned host keys. */
    const sshArgs = (cmd: string[]) => [
      ...["-F", join(lab!.workspace, "ssh.config"), "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes"],
      ...["-o", "ConnectTimeout=10", DOMAIN, "--", quoteArgv(cmd)],
    ];
    const guest = (cmd: string[], stdin = "") => runWithStdin("ssh", sshArgs(cmd), stdin);
    const secret = async (...path: string[]) =>
      (await readFile(join(lab!.workspace, ...path), "utf8")).trim();

    before(
      async () => {
        lab = await startUndercloudLab("ucci", {
          guest: "cloud-init",
          spec: { cloudInit: CLOUD_INIT, memoryMiB: 768, diskSize: "3G" },
        });
      },
      { timeout: 20 * 60_000 },
    );
    after(async () => {
      await lab?.stop();
    });

    test(
      "apply converges a VM booted with the seed by the real cloud-init",
      { timeout: 35 * 60_000 },
      async () => {
        await apply("first apply (Manager, networks, VM with real cloud-init, guest phases)");
        const state = await lab!.state();
        assert.equal(conditionOf(state, "Ready")?.status, "True", JSON.stringify(state?.status.conditions));
      },
    );

    test("the user is not root, has the declared groups, the workspace's key and a real sudo", async () => {
      assert.notEqual((await guest(["id", "-u"])).trim(), "0", "the login user is not uid 0");
      const groups = (await guest(["id", "-nG"])).trim().split(/\s+/);
      for (const g of CLOUD_INIT.groups) assert.ok(groups.includes(g), `in group ${g}: ${groups.join(" ")}`);
      assert.equal((await guest(["sudo", "-n", "id", "-u"])).trim(), "0", "passwordless sudo gives root");
      assert.equal(
        (await guest(["cat", ".ssh/authorized_keys"])).trim(),
        await secret("keys", ...VM_SECRETS, "guest.pub"),
      );
    });

    test("the host key the operator pinned is the guest's own (strict host key checking)", async () => {
      const blob = (line: string) => line.trim().split(/\s+/)[1];
      // cloud-init 22.4 writes the seed's ssh_keys.*_public 0600, like the private key: sudo.
      const real = await guest(["sudo", "-n", "cat", "/etc/ssh/ssh_host_ed25519_key.pub"]);
      assert.equal(blob(real), blob(await secret("keys", ...VM_SECRETS, "host.pub")));
    });

    test("host name, fully qualified name, timezone and nameserver are the declared ones", async () => {
      assert.equal((await guest(["hostname"])).trim(), DOMAIN);
      assert.equal((await guest(["hostname", "-f"])).trim(), CLOUD_INIT.fqdn);
      assert.equal((await guest(["cat", "/etc/timezone"])).trim(), CLOUD_INIT.timezone);
      assert.match(await guest(["readlink", "/etc/localtime"]), new RegExp(`${CLOUD_INIT.timezone}$`, "m"));
      assert.match(
        await guest(["cat", "/etc/resolv.conf"]),
        new RegExp(`^nameserver ${CLOUD_INIT.nameserver}$`, "m"),
      );
    });

    test("the password is set from its SHA-512 hash; the clear password is in neither the seed nor the logs", async () => {
      const password = await secret("passwords", ...VM_SECRETS, "guest");
      const shadow = (await guest(["sudo", "-n", "getent", "shadow", CLOUD_INIT.user])).split(":")[1] ?? "";
      const salt = /^\$6\$([^$]+)\$/.exec(shadow)?.[1];
      assert.ok(salt, `a SHA-512 crypt hash in /etc/shadow (${shadow.slice(0, 3)}...)`);
      assert.equal(shadow, sha512Crypt(password, salt), "the hash of the workspace's password");
      // The password goes on stdin (grep -f -), never in argv; grep -c prints 0 when absent.
      const count = ["bash", "-c", 'grep -c -F -f - "$@" || true', "count"];
      assert.equal(
        (await lab!.onWithStdin([...count, SEED], `${password}\n`)).trim(),
        "0",
        "clear password in the seed ISO",
      );
      const logs = [
        "/var/log/cloud-init.log",
        "/var/log/cloud-init-output.log",
        "/var/lib/cloud/instance/user-data.txt",
      ];
      const found = await guest(["sudo", "-n", ...count, ...logs], `${password}\n`);
      assert.deepEqual(
        found.trim().split("\n"),
        logs.map((l) => `${l}:0`),
        "clear password in the guest's cloud-init files",
      );
    });

    test("cloud-init finished without errors or warnings, and is disabled after the first boot", async () => {
      const status = await guest(["cloud-init", "status", "--long"]);
      console.log(`# cloud-init status --long:\n${status.replace(/^/gm, "#   ")}`);
      assert.doesNotMatch(status, /status: (error|running)/);
      const result = JSON.parse(await guest(["cat", "/var/lib/cloud/data/result.json"])) as {
        v1: { errors: unknown[] };
      };
      assert.deepEqual(result.v1.errors, [], "cloud-init's result.json lists no error");
      const log = await guest(["sudo", "-n", "cat", "/var/log/cloud-init.log"]);
      const bad = log
        .split("\n")
        .filter((l) => /WARNING|Traceback/.test(l) && !OUTPUT_REDIRECT_WARNING.test(l));
      assert.deepEqual(bad, [], "warnings or tracebacks in /var/log/cloud-init.log");
      await guest(["test", "-f", "/etc/cloud/cloud-init.disabled"]);
      const enabled = await guest(["bash", "-c", "systemctl is-enabled cloud-init.service || true"]);
      assert.equal(enabled.trim(), "disabled");
    });

    test(
      "after a shutdown and start on the Manager: the same host key, cloud-init not run again, nothing to apply",
      { timeout: 20 * 60_000 },
      async () => {
        const bootBefore = (await guest(["cat", "/proc/sys/kernel/random/boot_id"])).trim();
        const logBefore = await guest(["sudo", "-n", "wc", "-l", "/var/log/cloud-init.log"]);
        const t0 = Date.now();
        await lab!.on(["virsh", "shutdown", DOMAIN]);
        const deadline = Date.now() + 5 * 60_000;
        while (!/shut off/.test(await lab!.on(["virsh", "domstate", DOMAIN]))) {
          assert.ok(Date.now() < deadline, "the guest did not shut down on ACPI power off");
          await new Promise((r) => setTimeout(r, 1000));
        }
        const t1 = Date.now();
        await lab!.on(["virsh", "start", DOMAIN]);
        let bootAfter = "";
        while (!bootAfter) {
          assert.ok(Date.now() < t1 + 10 * 60_000, "the guest did not answer over SSH after the start");
          bootAfter = await guest(["cat", "/proc/sys/kernel/random/boot_id"]).then(
            (s) => s.trim(),
            () => new Promise<string>((r) => setTimeout(() => r(""), 2000)),
          );
        }
        console.log(`# shutdown: ${t1 - t0} ms; start to SSH (pinned host key): ${Date.now() - t1} ms`);
        assert.notEqual(bootAfter, bootBefore, "a new boot");
        assert.equal(
          await guest(["sudo", "-n", "wc", "-l", "/var/log/cloud-init.log"]),
          logBefore,
          "cloud-init ran again",
        );
        const res = await apply("apply after the restart");
        const started = res.logs.filter(
          (l) =>
            l.kind === "TripleOUndercloud" && typeof l.msg === "string" && l.msg.startsWith("step started"),
        );
        assert.deepEqual(
          started.map((l) => l.step),
          [],
          "nothing to do on the restarted VM",
        );
      },
    );
  },
);
