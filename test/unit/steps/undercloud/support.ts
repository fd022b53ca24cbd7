import { tripleoUndercloudSpec, type TripleOUndercloudSpec } from "../../../../src/api/tripleoundercloud.js";
import { createLogger } from "../../../../src/log.js";
import type { ExecOptions, ExecResult, RemoteHost, RemoteStream } from "../../../../src/remote/types.js";
import {
  undercloudFacts,
  type RawUndercloudFacts,
  type UndercloudFacts,
} from "../../../../src/steps/undercloud/facts.js";
import { undercloudPaths } from "../../../../src/steps/undercloud/paths.js";
import type { UndercloudDesired } from "../../../../src/steps/undercloud/plan.js";
import {
  describeOwner,
  renderStamp,
  undercloudOwner,
  type Stamp,
} from "../../../../src/steps/undercloud/stamp.js";
import type { Step } from "../../../../src/steps/types.js";

export const OWNER = undercloudOwner("default", "tripleo");
export const IMAGES = "/var/lib/libvirt/images";
export const BASE_URL = "https://cloud.centos.org/centos/7/images/CentOS-7-x86_64-GenericCloud-1907.qcow2";
export const CENTOS7 = "http://centos.org/centos/7.0";
export const SHA = `sha256:${"ab".repeat(32)}`;

export function spec(over: Record<string, unknown> = {}): TripleOUndercloudSpec {
  return tripleoUndercloudSpec.parse({
    managerRef: { name: "lab" },
    nics: [{ networkRef: { name: "hypervisor" } }],
    ...over,
  });
}

export function desired(over: Partial<UndercloudDesired> = {}): UndercloudDesired {
  return {
    domain: "tripleo",
    owner: OWNER,
    paths: undercloudPaths(IMAGES, "tripleo", BASE_URL),
    baseImage: { url: BASE_URL, checksum: SHA },
    diskSize: "80G",
    virtType: "auto",
    vcpus: 4,
    memoryMiB: 16000,
    osVariant: "centos7.0",
    updatePolicy: "Manual",
    nics: [
      { network: "hypervisor-control-plane", model: "virtio" },
      { network: "openstack-control-plane", model: "virtio" },
    ],
    seed: { userData: "#cloud-config\n", metaData: "instance-id: i-1\n" },
    serialLog: "/var/log/libvirt/qemu/tripleo-serial.log",
    bootTimeoutSeconds: 300,
    adopt: false,
    now: () => "2026-11-25T12:00:00Z",
    ...over,
  };
}

/** The observe script's output for a Manager with nothing of this VM yet. */
export function rawNothing(): RawUndercloudFacts {
  return {
    kvm: false,
    kvmDetail: "no /dev/kvm on the Manager",
    kvmProbedImage: false,
    domain: {
      exists: false,
      state: "",
      autostart: false,
      persistent: false,
      metadata: "",
      macs: [],
      cdroms: [],
      address: "",
    },
    files: { disk: false, seed: false, base: false, baseChecksum: "", ownerMarker: false, markerOwner: "" },
    osinfo: { db: true, id: CENTOS7 },
  };
}

/** A defined domain (running, autostarted, seed ejected) with this stamp, or none when undefined. */
export function existing(
  stamp: Stamp | undefined,
  over: Partial<RawUndercloudFacts["domain"]> = {},
): UndercloudFacts {
  const raw = rawNothing();
  raw.files = {
    disk: true,
    seed: true,
    base: true,
    baseChecksum: "ab".repeat(32),
    ownerMarker: true,
    markerOwner: describeOwner(OWNER),
  };
  raw.domain = {
    exists: true,
    state: "running",
    autostart: true,
    persistent: true,
    metadata: stamp ? renderStamp(stamp, {}, "domain") : "",
    macs: ["52:54:00:12:34:56", "52:54:00:12:34:57"],
    cdroms: ["-"],
    address: "192.168.122.45",
    ...over,
  };
  return undercloudFacts(raw);
}

/**
 * Test double of RemoteHost (no Manager or VM runs in unit tests): records every command,
 * stdin and upload, and answers `cat .../boot_id` from a queue so reboots can be imitated.
 */
export class RecordingHost implements RemoteHost {
  readonly execs: string[][] = [];
  readonly stdins: string[] = [];
  readonly uploads: Array<{ path: string; content: string; mode?: number }> = [];
  readonly files = new Map<string, string>();
  bootIds: string[] = [];

  constructor(readonly id = "root@test:22") {}

  async exec(argv: readonly string[], opts: ExecOptions): Promise<ExecResult> {
    this.execs.push([...argv]);
    if (opts.stdin !== undefined) this.stdins.push(String(opts.stdin));
    const stdout = argv.join(" ").endsWith("boot_id") ? `${this.bootIds.shift() ?? "same"}\n` : "";
    return { exitCode: 0, stdout, stderr: "" };
  }
  async observe<T>(): Promise<T> {
    throw new Error("not used");
  }
  async upload(path: string, content: string | Buffer, opts?: { mode?: number }): Promise<void> {
    this.uploads.push({
      path,
      content: String(content),
      ...(opts?.mode !== undefined ? { mode: opts.mode } : {}),
    });
    this.files.set(path, String(content));
  }
  async readFile(path: string): Promise<Buffer | null> {
    const text = this.files.get(path);
    return text === undefined ? null : Buffer.from(text);
  }
  stream(): RemoteStream {
    throw new Error("not used");
  }
}

export const silent = createLogger({ level: "silent" });

export async function applyAll(steps: Step[], host = new RecordingHost()): Promise<RecordingHost> {
  for (const s of steps) await s.apply({ host, log: silent });
  return host;
}

/** For a `bash -c SCRIPT lab-operator ARGS...` exec: the ARGS. */
export function scriptArgs(argv: readonly string[]): string[] {
  return argv[0] === "bash" && argv[1] === "-c" ? argv.slice(4) : [...argv];
}
