import { readFileSync } from "node:fs";
import { libvirtNetwork, type LibvirtNetwork } from "../../../../src/api/index.js";
import { createLogger } from "../../../../src/log.js";
import type { ExecOptions, ExecResult, RemoteHost, RemoteStream } from "../../../../src/remote/types.js";
import {
  networkFacts,
  type NetworkFacts,
  type RawNetworkFacts,
} from "../../../../src/steps/network/facts.js";
import type { Step } from "../../../../src/steps/types.js";

/** `virsh net-dumpxml --inactive` of the rendered seed networks, captured from libvirt 9.0. */
export function fixture(name: string): string {
  return readFileSync(new URL(`./fixtures/${name}.xml`, import.meta.url), "utf8");
}

export function network(
  name: string,
  spec: Record<string, unknown>,
  meta: Record<string, unknown> = {},
): LibvirtNetwork {
  return libvirtNetwork.parse({
    apiVersion: "openstacklab.io/v1alpha1",
    kind: "LibvirtNetwork",
    metadata: { name, ...meta },
    spec: { managerRef: { name: "lab" }, ...spec },
  });
}

export const seed = {
  hypervisor: () =>
    network("hypervisor-control-plane", {
      mode: "nat",
      bridge: "hypervisor",
      ipv4: {
        address: "192.168.122.1/24",
        dhcp: { ranges: [{ start: "192.168.122.2", end: "192.168.122.254" }] },
      },
    }),
  openstack: () => network("openstack-control-plane", { mode: "bridge", bridge: "openstack" }),
  public: () => network("public", { mode: "bridge", bridge: "public", masquerade: ["10.0.2.0/24"] }),
  full: (spec: Record<string, unknown> = {}) =>
    network(
      "full",
      {
        mode: "nat",
        bridge: "labfull",
        ipv4: {
          address: "192.168.150.1/24",
          dhcp: {
            ranges: [{ start: "192.168.150.10", end: "192.168.150.99" }],
            hosts: [{ mac: "52:54:00:aa:00:01", ip: "192.168.150.5", name: "tripleo" }],
          },
        },
        dnsHosts: [{ ip: "192.168.150.5", hostnames: ["tripleo", "tripleo.lab"] }],
        ...spec,
      },
      { uid: "11111111-2222-3333-4444-555555555555" },
    ),
};

/** Facts of an existing, running, autostarted network with this persistent XML. */
export function factsOf(name: string, xml: string, over: Partial<RawNetworkFacts> = {}): NetworkFacts {
  const uuid = /<uuid>([^<]+)<\/uuid>/.exec(xml)?.[1] ?? "";
  return networkFacts(name, {
    exists: true,
    active: true,
    autostart: true,
    persistent: true,
    uuid,
    xml,
    ifaces: [],
    otherActive: [],
    hookInstalled: true,
    hookConfig: null,
    natRules: [],
    ...over,
  });
}

export function missing(name: string, otherActive: string[] = []): NetworkFacts {
  return networkFacts(name, {
    exists: false,
    active: false,
    autostart: false,
    persistent: false,
    uuid: "",
    xml: "",
    ifaces: [],
    otherActive,
    hookInstalled: true,
    hookConfig: null,
    natRules: [],
  });
}

/** A RemoteHost that records what steps would run and succeeds. */
export class RecordingHost implements RemoteHost {
  readonly id = "root@test:22";
  readonly execs: string[][] = [];
  readonly stdins: string[] = [];
  readonly uploads: Array<{ path: string; content: string }> = [];

  async exec(argv: readonly string[], opts: ExecOptions): Promise<ExecResult> {
    this.execs.push([...argv]);
    if (opts.stdin !== undefined) this.stdins.push(String(opts.stdin));
    return { exitCode: 0, stdout: "", stderr: "" };
  }
  async observe<T>(_script: string, _args: readonly string[], _opts: ExecOptions): Promise<T> {
    throw new Error("not used");
  }
  async upload(path: string, content: string | Buffer): Promise<void> {
    this.uploads.push({ path, content: String(content) });
  }
  async readFile(): Promise<Buffer | null> {
    return null;
  }
  stream(_argv: readonly string[], _onLine: (line: string) => void): RemoteStream {
    throw new Error("not used");
  }
}

export async function applyAll(steps: Step[], host = new RecordingHost()): Promise<RecordingHost> {
  const log = createLogger({ level: "silent" });
  for (const s of steps) await s.apply({ host, log });
  return host;
}

/** The virsh verb of each recorded command (net-define, net-update...) or the script's op. */
export function verbs(host: RecordingHost): string[] {
  return host.execs.map((argv) => {
    if (argv[0] === "virsh") return argv.find((a) => a.startsWith("net-")) ?? argv.join(" ");
    if (argv[0] === "bash") return argv.slice(4).join(" ");
    return argv.join(" ");
  });
}
