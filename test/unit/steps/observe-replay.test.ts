/**
 * The network and undercloud observe scripts, replayed against what a real sandbox Manager
 * (Debian 12, libvirt 9.0) printed: the batched scripts must print the very JSON the scripts
 * of before the batching printed there, one virsh per question. virsh and iptables are
 * stand-ins answering from the recording (a test double: no libvirtd on the test machine);
 * bash, the files and /dev/kvm are real.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { after, before, describe, it } from "node:test";
import { OBSERVE_NETWORK } from "../../../src/steps/network/observe-script.js";
import { OBSERVE_UNDERCLOUD } from "../../../src/steps/undercloud/observe-script.js";
import { recordedManager, type RecordedCall, type RecordedObserve } from "./recorded-manager.js";

const run = promisify(execFile);

/** The parts of the undercloud observe's JSON this test looks into. */
interface UndercloudJson {
  kvm: boolean;
  kvmDetail: string;
  domain: { exists: boolean } & Record<string, unknown>;
  files: {
    disk: boolean;
    seed: boolean;
    base: boolean;
    baseChecksum: string;
    ownerMarker: boolean;
    markerOwner: string;
  };
  osinfo: { db: boolean; id: string };
}

function recordings(kind: "network" | "undercloud"): RecordedObserve[] {
  const url = new URL(`./${kind}/fixtures/observe-sandbox.json`, import.meta.url);
  return JSON.parse(readFileSync(url, "utf8")) as RecordedObserve[];
}

/** The recording with every occurrence of a sandbox path in an argv replaced by a local one. */
function relocate(calls: RecordedCall[], paths: Map<string, string>): RecordedCall[] {
  return calls.map((call) => ({ ...call, argv: call.argv.map((arg) => paths.get(arg) ?? arg) }));
}

async function observe(
  script: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ rc: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run("bash", ["-c", script, "observe", ...args], {
      env: { ...process.env, ...env },
    });
    return { rc: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { rc: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** virsh 9.0's echo prints no newline; other versions print one. Both must give the same JSON. */
const ECHO_VARIANTS: [string, Record<string, string>][] = [
  ["echo without a newline (libvirt 9.0)", {}],
  ["echo with a newline (other libvirt versions)", { ECHO_NEWLINE: "1" }],
];

describe("observe scripts replayed against a recorded sandbox Manager", () => {
  let dir = "";
  let count = 0;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "observe-replay-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  async function freshDir(): Promise<string> {
    const d = join(dir, String(count++));
    await mkdir(d, { recursive: true });
    return d;
  }

  for (const recorded of recordings("network")) {
    for (const [variant, echoEnv] of ECHO_VARIANTS) {
      it(`network ${recorded.label}: the same JSON, ${variant}`, async () => {
        const d = await freshDir();
        const wanted = JSON.parse(recorded.stdout) as { hookInstalled: boolean; hookConfig: string | null };
        // The hook and its config as they were on the sandbox, at local paths.
        const [uri, net, hook, hookConf] = recorded.args as [string, string, string, string];
        const localHook = join(d, "hook");
        const localConf = join(d, "hook.conf");
        if (wanted.hookInstalled) {
          await writeFile(localHook, "#!/bin/sh\n");
          await chmod(localHook, 0o755);
        }
        if (wanted.hookConfig !== null) await writeFile(localConf, `${wanted.hookConfig}\n`);
        const paths = new Map([
          [hook, localHook],
          [hookConf, localConf],
        ]);
        const env = await recordedManager(d, relocate(recorded.recording, paths));
        const got = await observe(OBSERVE_NETWORK, [uri, net, localHook, localConf], { ...env, ...echoEnv });
        assert.equal(got.rc, recorded.rc, got.stderr);
        assert.deepEqual(JSON.parse(got.stdout), wanted);
      });
    }
  }

  for (const recorded of recordings("undercloud")) {
    for (const [variant, echoEnv] of ECHO_VARIANTS) {
      it(`undercloud ${recorded.label}: the same JSON, ${variant}`, async () => {
        const d = await freshDir();
        const wanted = JSON.parse(recorded.stdout) as UndercloudJson;
        const [uri, dom, ns, disk, seed, base, baseSum, marker, osVariant] = recorded.args as string[];
        // The VM's files as they were on the sandbox, at local paths.
        const local = {
          disk: join(d, "disk.qcow2"),
          seed: join(d, "seed.iso"),
          base: join(d, "base.qcow2"),
          baseSum: join(d, "base.qcow2.sha256"),
          marker: join(d, "marker"),
        };
        const files = wanted.files;
        if (files.disk) await writeFile(local.disk, "");
        if (files.seed) await writeFile(local.seed, "");
        if (files.base) await writeFile(local.base, "");
        if (files.baseChecksum) await writeFile(local.baseSum, `${files.baseChecksum}  base.qcow2\n`);
        if (files.ownerMarker) await writeFile(local.marker, `${files.markerOwner}\nsecond line\n`);
        const paths = new Map([
          [disk!, local.disk],
          [seed!, local.seed],
          [base!, local.base],
          [baseSum!, local.baseSum],
          [marker!, local.marker],
        ]);
        const env = await recordedManager(d, relocate(recorded.recording, paths));
        const args = [
          uri!,
          dom!,
          ns!,
          local.disk,
          local.seed,
          local.base,
          local.baseSum,
          local.marker,
          osVariant!,
        ];
        const got = await observe(OBSERVE_UNDERCLOUD, args, { ...env, ...echoEnv });
        assert.equal(got.rc, recorded.rc, got.stderr);
        const facts = JSON.parse(got.stdout) as UndercloudJson;
        // The KVM probe of a missing domain runs an emulator, whose answer is this machine's
        // (kvm-probe.test.ts covers it); an existing domain is never probed.
        if (wanted.domain.exists && existsSync("/dev/kvm")) {
          assert.deepEqual([facts.kvm, facts.kvmDetail], [wanted.kvm, wanted.kvmDetail]);
        }
        assert.deepEqual(facts.domain, wanted.domain);
        assert.deepEqual(facts.files, wanted.files);
        assert.deepEqual(facts.osinfo, { ...wanted.osinfo, db: existsSync("/usr/share/osinfo/os") });
      });
    }
  }

  for (const [kind, script, args] of [
    ["network", OBSERVE_NETWORK, ["qemu:///system", "labnet", "/nonexistent/h", "/nonexistent/c"]],
    [
      "undercloud",
      OBSERVE_UNDERCLOUD,
      ["qemu:///system", "uc", "urn:x", "/n/d", "/n/s", "/n/b", "/n/c", "/n/m", ""],
    ],
  ] as const) {
    it(`${kind}: a libvirtd that does not answer is exit 3 with virsh's own error, never a missing object`, async () => {
      const d = await freshDir();
      const env = await recordedManager(d, []);
      const got = await observe(script, [...args], { ...env, LIBVIRT_DOWN: "1" });
      assert.equal(got.rc, 3);
      assert.match(got.stderr, /libvirt at qemu:\/\/\/system does not answer: error: failed to connect/);
      assert.equal(got.stdout, "");
    });
  }
});
