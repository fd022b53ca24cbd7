/**
 * Edits of a converged TripleOUndercloud land: on a prebaked sandbox Manager (real libvirt,
 * QEMU), one VM from the imitation guest image (test/guest/build-image.sh: NOT cloud-init,
 * NOT CentOS, no podman) with the debian-test profile. A spec.tripleo edit re-runs the phase
 * it changes and the later ones only; a spec.cloudInit edit is told by a condition, never
 * applied silently. One sandbox, one VM, in order.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { parse, stringify } from "yaml";
import { labctl } from "./support/labctl.js";
import { sshArgv, skipUnlessSandboxCapable } from "./support/sandbox.js";
import { conditionOf, DOMAIN, startUndercloudLab, type UndercloudLab } from "./undercloud-lab.js";

const run = promisify(execFile);

/** The parts of the manifest's spec these tests edit. */
interface EditableSpec {
  tripleo: { containerImageTags: { tag?: string }; undercloudConf?: Record<string, unknown> };
  cloudInit: { timezone?: string };
}
const GUEST_HOME = ["results", "undercloud", "home", "tripleo"];

describe("TripleOUndercloud edits after the VM exists", { skip: skipUnlessSandboxCapable() }, () => {
  let lab: UndercloudLab | undefined;
  const apply = async (what: string) => {
    const t = Date.now();
    const res = await labctl(["apply", "-f", lab!.manifests, "--workspace", lab!.workspace], {
      timeoutMs: 25 * 60_000,
    });
    assert.equal(res.code, 0, `${what} failed:\n${res.stdout.slice(-3000)}\n${res.stderr.slice(-4000)}`);
    console.log(`# ${what}: ${Date.now() - t} ms`);
    const steps = res.logs
      .filter(
        (l) =>
          l.kind === "TripleOUndercloud" && typeof l.msg === "string" && l.msg.startsWith("step started"),
      )
      .map((l) => String(l.step));
    return { res, steps };
  };
  const editSpec = async (edit: (spec: EditableSpec) => void) => {
    const file = join(lab!.manifests, "undercloud.yaml");
    const doc = parse(await readFile(file, "utf8")) as { spec: EditableSpec };
    edit(doc.spec);
    await writeFile(file, stringify(doc));
  };
  const stamp = () => lab!.on(["virsh", "metadata", DOMAIN, "--uri", "https://openstacklab.io/ownership"]);
  /** A command in the VM with OpenSSH through the Manager, with the host key the operator pinned. */
  const inGuest = async (cmd: string): Promise<string> => {
    const address = String((await lab!.state())?.status.ipAddress);
    const jump = [
      "ssh",
      ...sshArgv(lab!.sandbox, lab!.sandbox.managers[0]!, ["true"]).slice(0, -2),
      "-W",
      "%h:%p",
    ];
    const secrets = ["TripleOUndercloud", "default", "undercloud"];
    const { stdout } = await run("ssh", [
      ...["-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes"],
      ...["-o", `UserKnownHostsFile=${join(lab!.workspace, "known_hosts")}`],
      ...["-o", "IdentitiesOnly=yes", "-i", join(lab!.workspace, "keys", ...secrets, "guest")],
      ...["-o", `ProxyCommand=${jump.join(" ")}`],
      `tripleo@${address}`,
      cmd,
    ]);
    return stdout;
  };
  const fetched = (...path: string[]) => readFile(join(lab!.workspace, ...GUEST_HOME, ...path), "utf8");

  before(
    async () => {
      lab = await startUndercloudLab("ucrr");
      await apply("first apply (Manager, networks, VM, every guest phase)");
    },
    { timeout: 30 * 60_000 },
  );
  after(async () => {
    await lab?.stop();
  });

  test("every phase is journaled with its input hash, the seed's with created", async () => {
    const xml = await stamp();
    const hashed = [...xml.matchAll(/<phase name="([A-Za-z]+)"[^>]*input="sha256:[0-9a-f]{64}"/g)].map(
      (m) => m[1],
    );
    assert.deepEqual(hashed, ["created", "packages", "configured", "installed", "postInstalled"]);
    assert.equal(conditionOf(await lab!.state(), "CloudInitApplied")?.status, "True");
  });

  test(
    "a containerImageTags.tag edit re-runs configured, installed and postInstalled only; the next apply runs nothing",
    { timeout: 20 * 60_000 },
    async () => {
      await editSpec((spec) => {
        spec.tripleo.containerImageTags.tag = "edited-tag";
      });
      const { steps } = await apply("apply after the tag edit");
      assert.deepEqual(steps, [
        "vm/journal/rerun",
        "guest/configured/0",
        "guest/configured/1",
        "guest/configured/2",
        "guest/configured/3",
        "vm/journal/configured",
        "guest/installed/0",
        "vm/journal/installed",
        "guest/postInstalled/0",
        "vm/journal/postInstalled",
      ]);
      assert.match(await fetched("undercloud", "container-images.yaml"), /^ {2}tag: edited-tag$/m);
      const log = await fetched("install-undercloud.log");
      assert.equal([...log.matchAll(/^install started /gm)].length, 2, "installed ran again, once");
      assert.equal(
        await fetched("post-install.log"),
        "post-install tested-tag\npost-install edited-tag\n",
        "the post-install (imitation) step ran again, with the new tag",
      );
      const state = await lab!.state();
      assert.ok(
        state?.events.some(
          (e) => e.reason === "GuestPhaseRerun" && /phase configured of tripleo runs again/.test(e.message),
        ),
        JSON.stringify(state?.events.slice(-5)),
      );
      assert.equal(conditionOf(state, "Ready")?.status, "True");
      const again = await apply("apply after the re-run");
      assert.deepEqual(again.steps, [], "nothing left to do");
    },
  );

  test(
    "an undercloud.conf setting (localIp) re-runs from configured and the guest gets the new file",
    { timeout: 20 * 60_000 },
    async () => {
      await editSpec((spec) => {
        spec.tripleo.undercloudConf = { localIp: "192.168.26.1/24" };
      });
      const { steps } = await apply("apply after the undercloud.conf edit");
      assert.equal(steps[0], "vm/journal/rerun");
      assert.ok(!steps.some((s) => s.startsWith("guest/packages/") || s === "guest/keyed"), steps.join(" "));
      assert.ok(steps.includes("guest/installed/0"), "the install runs again on a config change");
      assert.match(await inGuest("cat undercloud.conf"), /^local_ip = 192\.168\.26\.1\/24$/m);
      const state = await lab!.state();
      assert.ok(
        state?.events.some((e) => e.reason === "GuestPhaseRerun" && /undercloud\.conf/.test(e.message)),
        "the event says the phase's input includes undercloud.conf",
      );
    },
  );

  test(
    "a spec.cloudInit edit is not applied silently: CloudInitApplied False (RecreateRequired), Ready stays True, no step runs",
    { timeout: 10 * 60_000 },
    async () => {
      await editSpec((spec) => {
        spec.cloudInit.timezone = "Europe/Berlin";
      });
      const { steps } = await apply("apply after the cloudInit edit");
      assert.deepEqual(steps, []);
      const state = await lab!.state();
      const c = conditionOf(state, "CloudInitApplied");
      assert.equal(c?.status, "False");
      assert.equal(c?.reason, "RecreateRequired");
      assert.match(c?.message ?? "", /applied only to a new VM \(labctl apply -f DIR --recreate\)/);
      assert.equal(conditionOf(state, "Ready")?.status, "True");
    },
  );
});
