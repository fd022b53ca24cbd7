import { labManagerSpec, type LabManagerSpec } from "../../../src/api/labmanager.js";
import type { ExecOptions, ExecResult, RemoteHost } from "../../../src/remote/types.js";
import { createLogger } from "../../../src/log.js";
import { bridgeFiles } from "../../../src/steps/labmanager/bridge-files.js";
import {
  networkHookScript,
  sha256,
  shellRcBlock,
  sudoersContent,
  vbmcConfPath,
  vbmcdUnit,
  virtualbmcConf,
} from "../../../src/steps/labmanager/content.js";
import type { ManagerFacts } from "../../../src/steps/labmanager/facts.js";
import { desiredPackages } from "../../../src/steps/labmanager/packages.js";
import { elMajor, repositoryPackages } from "../../../src/steps/labmanager/repositories.js";
import { NETWORK_HOOK, sudoersPath, VBMCD_UNIT } from "../../../src/steps/labmanager/paths.js";
import { keyIdentity, type ManagerInputs } from "../../../src/steps/labmanager/plan.js";
import type { OwnedResource, StepContext } from "../../../src/steps/types.js";

export const KEY = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 manager@manager";
export const PASSWORD = "s3cret-Pa55word-xyz";
/** What the seed lab's LabManager records once it created its bridges, user and sudoers file. */
export const SEED_OWNED: OwnedResource[] = [
  { kind: "bridge", name: "public" },
  { kind: "bridge", name: "openstack" },
  { kind: "user", name: "manager" },
  { kind: "sudoers", name: "/etc/sudoers.d/lab-operator-manager" },
];
export const inputs: ManagerInputs = { managerPublicKey: KEY, managerPassword: PASSWORD, owned: SEED_OWNED };

/** The seed's lab: public (office NIC, DHCP + gateway address) and openstack (control NIC). */
export function seedSpec(over: Partial<LabManagerSpec> = {}): LabManagerSpec {
  return labManagerSpec.parse({
    address: "10.0.0.5",
    timezone: "America/Chicago",
    bridges: [
      { name: "public", interfaces: ["eno1"], dhcp: true, addresses: ["10.0.2.1/24"] },
      { name: "openstack", interfaces: ["eno2"] },
    ],
    ...over,
  });
}

const stopped = { active: "inactive", enabled: "disabled" };
const running = { active: "active", enabled: "enabled" };

function nic(ifname: string, master?: string) {
  return { ifname, flags: ["BROADCAST", "UP"], master: master ?? null, addr_info: [] };
}

/** A fresh Debian box: nothing installed; the SSH session and default route on eth0. */
export function bareDebian(): ManagerFacts {
  return {
    os: { id: "debian", idLike: "", versionId: "12" },
    osFamily: "debian",
    elPackageManager: "",
    systemd: true,
    installed: [],
    aptListsAgeSeconds: -1,
    services: {
      libvirtd: { active: "inactive", enabled: "" },
      libvirtdSocket: { active: "inactive", enabled: "" },
      virtlogd: { active: "inactive", enabled: "" },
      vbmcd: { active: "inactive", enabled: "" },
      "systemd-networkd": stopped,
      NetworkManager: stopped,
    },
    timezone: "Etc/UTC",
    user: {
      name: "manager",
      exists: false,
      home: "",
      homeMode: "",
      shell: "",
      hasPassword: false,
      passwordCheck: "unchecked",
      authorizedKeys: [],
      rcBlock: "",
      openstackClients: { openstack: "", heat: "" },
    },
    files: {},
    bridgeOf: {},
    links: [nic("lo"), nic("eth0"), nic("eno1"), nic("eno2")],
    defaultRoutes: [{ dev: "eth0" }],
    sshIface: "eth0",
    qemuBridgeAllows: [],
    vbmcVersion: "",
    libvirtDefaultNetwork: { defined: false, autostart: false, active: false, address: "", netmask: "" },
  };
}

/** A fresh EL host (Rocky 9 by default, as the EL sandbox says it is): dnf, nothing installed. */
export function bareEl(os = { id: "rocky", idLike: "rhel centos fedora", versionId: "9.4" }): ManagerFacts {
  const f = bareDebian();
  f.os = os;
  f.osFamily = "el";
  f.elPackageManager = os.versionId.startsWith("7") ? "yum" : "dnf";
  return f;
}

function file(content: string, mode: string) {
  return { sha256: sha256(content), mode, owner: "root:root" };
}

/** What observe reports once the spec is applied, derived from the desired contents. */
export function converged(spec: LabManagerSpec, family: "debian" | "el" = "debian"): ManagerFacts {
  const f = family === "el" ? bareEl() : bareDebian();
  f.installed =
    family === "el"
      ? [...repositoryPackages(spec, elMajor(f)), ...desiredPackages(family, spec, elMajor(f))]
      : desiredPackages(family, spec);
  f.aptListsAgeSeconds = 3600;
  f.services = { ...f.services, libvirtd: running, virtlogd: running, vbmcd: running };
  f.timezone = spec.timezone;
  f.user = {
    name: spec.user.name,
    exists: true,
    home: `/home/${spec.user.name}`,
    homeMode: "711",
    shell: "/bin/bash",
    hasPassword: true,
    passwordCheck: "same",
    authorizedKeys: [sha256(keyIdentity(KEY))],
    rcBlock: sha256(shellRcBlock()),
    openstackClients: spec.user.openstackClients
      ? { openstack: "7.1.0", heat: "4.0.0" }
      : { openstack: "", heat: "" },
  };
  f.files[sudoersPath(spec.user.name)] = file(sudoersContent(spec.user.name), "440");
  f.files[vbmcConfPath(spec.virtualBMC)] = file(virtualbmcConf(spec.virtualBMC), "644");
  f.files[VBMCD_UNIT] = file(vbmcdUnit(spec.virtualBMC), "644");
  f.files[NETWORK_HOOK] = file(networkHookScript(spec), "755");
  for (const b of spec.bridges) {
    for (const bf of bridgeFiles(family, b)) {
      f.files[bf.path] = file(bf.content, bf.mode.replace(/^0/, ""));
      f.bridgeOf[bf.path] = /^(?:Bridge|master)=(.*)$/m.exec(bf.content)?.[1] ?? b.name;
    }
    const addr_info = b.addresses.map((a) => ({
      family: "inet",
      local: a.split("/")[0]!,
      prefixlen: Number(a.split("/")[1]),
    }));
    const info_data = { stp_state: b.stp ? 1 : 0, forward_delay: b.forwardDelay * 100 };
    f.links.push({
      ifname: b.name,
      flags: ["UP"],
      master: null,
      linkinfo: { info_kind: "bridge", info_data },
      addr_info,
    });
    for (const n of b.interfaces)
      f.links = f.links.map((l) => (l.ifname === n ? { ...l, master: b.name } : l));
  }
  f.qemuBridgeAllows = spec.bridges.map((b) => b.name);
  f.vbmcVersion = spec.virtualBMC.version;
  return f;
}

export interface Call {
  argv: readonly string[];
  opts: ExecOptions;
}

/** A host that records what a step would run, and answers every command with success. */
export function recordingHost(): { host: RemoteHost; calls: Call[]; ctx: StepContext } {
  const calls: Call[] = [];
  const ok: ExecResult = { exitCode: 0, stdout: "", stderr: "" };
  const host: RemoteHost = {
    id: "root@test:22",
    exec: async (argv, opts) => (calls.push({ argv, opts }), ok),
    observe: async () => ({}) as never,
    upload: async () => undefined,
    readFile: async () => null,
    stream: () => ({ done: new Promise(() => undefined), close: () => undefined }),
  };
  const log = createLogger({ level: "silent" });
  return { host, calls, ctx: { host, log } };
}
