/**
 * The operator's NoCloud seed against the REAL cloud-init: a TripleOUndercloud booted from
 * the Debian 12 guest of test/guest/build-cloud-image.sh (cloud-init, OpenSSH, sudo, a
 * systemd boot; NOT CentOS) on a prebaked sandbox Manager under QEMU, converged through
 * `labctl apply` with the debian-test guest profile. Everything the seed declares is checked
 * in the guest over the real ssh client and the workspace's ssh.config (pinned host key,
 * StrictHostKeyChecking): a non-root user whose sudo is real, its groups and key, host and
 * fully qualified names, timezone, nameserver, the password hash, cloud-init's own verdict,
 * and cloud-init disabled after the first boot. Then spec.tripleo.postInstall for real: a
 * unified diff of a file in the podman container ironic_conductor (started by the profile's
 * install imitation from an image baked into the guest: no registry), written back with its
 * owner and mode, the container restarted, the phase journaled; an edit of the diff re-runs
 * only postInstalled, and a diff that applies neither way is Stalled (PatchDoesNotApply) naming
 * the file and changes nothing. Then a shutdown and start on the Manager: the same host key, cloud-init not run
 * again, and nothing for the next apply to do.
 */
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { parse, stringify } from "yaml";
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
/** The container and file of test/guest/build-cloud-image.sh (CONTAINER_FILE, 42422:42422 0640). */
const CONDUCTOR = "ironic_conductor";
const MANAGER_PY = "/usr/lib/python3/site-packages/ironic/conductor/manager.py";
const ORIGINAL = [
  "# lab-operator test container: ironic conductor manager (stand-in)",
  "class ConductorManager(object):",
  '    RPC_API_VERSION = "1.55"',
  "    def __init__(self, host, topic):",
  "        self.host = host",
  "        self.topic = topic",
  "",
].join("\n");
const PATCHED = ORIGINAL.replace('"1.55"', '"1.56"');
const PATCHED_AGAIN = PATCHED.replace(
  "self.topic = topic\n",
  "self.topic = topic\n        self.lab = True\n",
);
const HEADER = "--- a/ironic/conductor/manager.py\n+++ b/ironic/conductor/manager.py\n";
/** The original to PATCHED. */
const PATCH_1 = `${HEADER}@@ -1,6 +1,6 @@
 # lab-operator test container: ironic conductor manager (stand-in)
 class ConductorManager(object):
-    RPC_API_VERSION = "1.55"
+    RPC_API_VERSION = "1.56"
     def __init__(self, host, topic):
         self.host = host
         self.topic = topic
`;
/** The edit: PATCHED to PATCHED_AGAIN (the file in the container has PATCH_1 already). */
const PATCH_2 = `${HEADER}@@ -4,3 +4,4 @@
     def __init__(self, host, topic):
         self.host = host
         self.topic = topic
+        self.lab = True
`;
/** Its context is in neither the file nor the file patched. */
const PATCH_BAD = `${HEADER}@@ -1,3 +1,3 @@
 # some other file
-    RPC_API_VERSION = "9.98"
+    RPC_API_VERSION = "9.99"
 class Other(object):
`;
const startedSteps = (res: Awaited<ReturnType<typeof labctl>>) =>
  res.logs
    .filter(
      (l) => l.kind === "TripleOUndercloud" && typeof l.msg === "string" && l.msg.startsWith("step started"),
    )
    .map((l) => String(l.step));
const POST_INSTALLED_ONLY = [
  "vm/journal/rerun",
  "guest/postInstalled/0",
  "guest/postInstalled/1",
  "vm/journal/postInstalled",
];

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
    const inConductor = (cmd: string[]) => guest(["sudo", "-n", "podman", "exec", CONDUCTOR, ...cmd]);
    const startedAt = async () =>
      (await guest(["sudo", "-n", "podman", "inspect", "-f", "{{.State.StartedAt}}", CONDUCTOR])).trim();
    /** Mode, owner and group of the file in the container (ls -ln: numeric ids). */
    const modeOwner = async () => (await inConductor(["ls", "-ln", MANAGER_PY])).split(/\s+/).slice(0, 4);
    const postInstalledInput = async () =>
      /<phase name="postInstalled"[^>]*input="(sha256:[0-9a-f]{64})"/.exec(
        await lab!.on(["virsh", "metadata", DOMAIN, "--uri", "https://openstacklab.io/ownership"]),
      )?.[1];
    const setPatch = async (patch: string) => {
      const file = join(lab!.manifests, "undercloud.yaml");
      const doc = parse(await readFile(file, "utf8")) as { spec: { tripleo: Record<string, unknown> } };
      doc.spec.tripleo.postInstall = [{ container: CONDUCTOR, path: MANAGER_PY, patch, restart: true }];
      await writeFile(file, stringify(doc));
    };
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
      "spec.tripleo.postInstall patches the file in the running container ironic_conductor, keeps its owner and mode, restarts it; only postInstalled runs",
      { timeout: 20 * 60_000 },
      async () => {
        assert.equal(
          (await guest(["sudo", "-n", "podman", "inspect", "-f", "{{.State.Status}}", CONDUCTOR])).trim(),
          "running",
          "the install (imitation) started the container",
        );
        assert.equal(await inConductor(["cat", MANAGER_PY]), ORIGINAL);
        const [owner, started, input] = [await modeOwner(), await startedAt(), await postInstalledInput()];
        assert.deepEqual(owner, ["-rw-r-----", "1", "42422", "42422"]);
        await setPatch(PATCH_1);
        const res = await apply("apply with spec.tripleo.postInstall (a diff of manager.py)");
        assert.deepEqual(startedSteps(res), POST_INSTALLED_ONLY, "only the postInstalled phase runs");
        assert.equal(await inConductor(["cat", MANAGER_PY]), PATCHED, "the patched content");
        assert.deepEqual(await modeOwner(), owner, "owner and mode unchanged");
        assert.equal(
          await inConductor(["ls", "-a", MANAGER_PY.replace(/[^/]+$/, "")]),
          ".\n..\nmanager.py\n",
        );
        const restarted = await startedAt();
        assert.notEqual(restarted, started, `the container restarted (StartedAt ${started} -> ${restarted})`);
        const journaled = await postInstalledInput();
        assert.ok(
          journaled && journaled !== input,
          `postInstalled journaled with its new input (${input} -> ${journaled})`,
        );
        const again = await apply("apply after the post-install");
        assert.deepEqual(startedSteps(again), [], "nothing left to do");
        assert.equal(await startedAt(), restarted, "no restart when nothing runs");
      },
    );

    test(
      "an edit of the patch (a second diff) re-runs only postInstalled; a diff that applies neither way fails naming the file and changes nothing",
      { timeout: 20 * 60_000 },
      async () => {
        const before = await startedAt();
        await setPatch(PATCH_2);
        const res = await apply("apply after the patch edit");
        assert.deepEqual(startedSteps(res), POST_INSTALLED_ONLY, "only the postInstalled phase runs again");
        assert.equal(await inConductor(["cat", MANAGER_PY]), PATCHED_AGAIN);
        assert.deepEqual(await modeOwner(), ["-rw-r-----", "1", "42422", "42422"]);
        const restarted = await startedAt();
        assert.notEqual(restarted, before, "restarted after the edit");

        await setPatch(PATCH_BAD);
        // It cannot apply on a retry either: Stalled at once (apply settles), not retried to the deadline.
        const bad = await labctl(
          ["apply", "-f", lab!.manifests, "--workspace", lab!.workspace, "--timeout", "180"],
          { timeoutMs: 10 * 60_000 },
        );
        assert.equal(bad.code, 1, "the apply of a patch that applies neither way fails");
        const state = await lab!.state();
        const naming = state?.status.conditions.filter(
          (c) => c.status === "False" && c.message.includes(MANAGER_PY),
        );
        console.log(`# conditions naming the file: ${JSON.stringify(naming)}`);
        assert.ok(
          naming?.length,
          `a condition names ${MANAGER_PY}: ${JSON.stringify(state?.status.conditions)}`,
        );
        const stalled = conditionOf(state, "Stalled");
        assert.equal(stalled?.status, "True", `Stalled: ${JSON.stringify(state?.status.conditions)}`);
        assert.equal(stalled?.reason, "PatchDoesNotApply");
        assert.ok(stalled?.message.includes(MANAGER_PY), stalled?.message);
        const said = bad.stdout + bad.stderr;
        assert.ok(
          !said.includes("timed out before"),
          `apply settled on Stalled, not at its deadline: ${said}`,
        );
        assert.equal(await inConductor(["cat", MANAGER_PY]), PATCHED_AGAIN, "the file is unchanged");
        assert.deepEqual(await modeOwner(), ["-rw-r-----", "1", "42422", "42422"]);
        assert.equal(
          await inConductor(["ls", "-a", MANAGER_PY.replace(/[^/]+$/, "")]),
          ".\n..\nmanager.py\n",
        );
        assert.equal(await startedAt(), restarted, "the container was not restarted");

        await setPatch(PATCH_2);
        const back = await apply("apply with the good patch again");
        const steps = startedSteps(back);
        assert.ok(
          steps.includes("vm/journal/postInstalled") &&
            steps.every((st) => /^(guest\/postInstalled\/\d+|vm\/journal\/(rerun|postInstalled))$/.test(st)),
          `only the postInstalled phase runs: ${steps.join(" ")}`,
        );
        assert.equal(await inConductor(["cat", MANAGER_PY]), PATCHED_AGAIN, "already applied: left alone");
        assert.equal(conditionOf(await lab!.state(), "Ready")?.status, "True");
      },
    );

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
