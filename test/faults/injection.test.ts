/**
 * Canary: every spec string that reaches a renderer, set to a payload of shell, XML, YAML and
 * INI specials. Where the output format can carry it (XML, YAML), the output must escape it;
 * where it cannot (INI lines, unit files, sudoers, the hook config), the schema refuses it.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { parse } from "yaml";
import {
  labManagerSpec,
  libvirtNetwork,
  tripleoUndercloudSpec,
  type TripleOUndercloudSpec,
} from "../../src/api/index.js";
import {
  escapeXml,
  pinContainerImageTags,
  renderMetaData,
  renderNetworkConfig,
  renderNetworkHookConfig,
  renderNetworkHookScript,
  renderNetworkXml,
  renderSudoers,
  renderUndercloudConf,
  renderUserData,
  renderVbmcdUnit,
  renderVirtualBmcConf,
  shellWord,
  withShellRcBlock,
} from "../../src/render/index.js";

const CANARY = `x'"<&>$(touch /tmp/pwned)\`id\`;rm -rf / && a | b\n[DEFAULT]\r\0]`;
/** The same without line breaks or NUL: what an INI line or a shell word could carry. */
const ONE_LINE = `x'"<&>$(touch /tmp/pwned)\`id\`;rm -rf / && a | b [DEFAULT]]`;

type Path = (string | number)[];

function setAt<T>(value: T, path: Path, v: unknown): T {
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let node = copy;
  for (const part of path.slice(0, -1)) node = node[part] as Record<string | number, unknown>;
  node[path[path.length - 1]!] = v;
  return copy as T;
}

const refused = (schema: { safeParse(v: unknown): { success: boolean } }, value: unknown) =>
  !schema.safeParse(value).success;

const network = libvirtNetwork.parse({
  apiVersion: "openstacklab.io/v1alpha1",
  kind: "LibvirtNetwork",
  metadata: { name: "net", uid: "0b5c6a8e-1111-2222-3333-444455556666" },
  spec: {
    managerRef: { name: "lab" },
    mode: "nat",
    bridge: "virbr9",
    networkName: "net",
    ipv4: {
      address: "192.168.9.1/24",
      dhcp: {
        ranges: [{ start: "192.168.9.2", end: "192.168.9.9" }],
        hosts: [{ mac: "52:54:00:00:00:01", ip: "192.168.9.10", name: "vm" }],
      },
    },
    ipv6: { address: "fd00::1/64" },
    dnsHosts: [{ ip: "192.168.9.10", hostnames: ["vm.lab"] }],
    masquerade: ["10.0.9.0/24"],
  },
});

describe("network XML", () => {
  const fields: Path[] = [
    ["metadata", "name"],
    ["metadata", "namespace"],
    ["metadata", "uid"],
    ["spec", "networkName"],
    ["spec", "bridge"],
    ["spec", "ipv4", "dhcp", "ranges", 0, "start"],
    ["spec", "ipv4", "dhcp", "ranges", 0, "end"],
    ["spec", "ipv4", "dhcp", "hosts", 0, "mac"],
    ["spec", "ipv4", "dhcp", "hosts", 0, "ip"],
    ["spec", "ipv4", "dhcp", "hosts", 0, "name"],
    ["spec", "ipv6", "address"],
    ["spec", "dnsHosts", 0, "ip"],
    ["spec", "dnsHosts", 0, "hostnames", 0],
  ];
  for (const path of fields) {
    test(`${path.join(".")} is XML-escaped in the network XML`, () => {
      const xml = renderNetworkXml(setAt(network, path, CANARY));
      assert.ok(!xml.includes(CANARY), "the canary appears unescaped");
      assert.ok(!/<[^a-z/?!]/.test(xml), "a '<' that does not start a tag");
      // Up to its newline: element() indents nested lines, inside attribute values too.
      // ipv6.address is split at its '/' (address/prefix).
      const first = CANARY.split("\n")[0]!;
      const expected = path.join(".") === "spec.ipv6.address" ? first.split("/")[0]! : first;
      assert.ok(xml.includes(escapeXml(expected)), "the escaped canary is missing");
    });
  }

  test("the schema refuses the canary in every string field of the XML but metadata.uid", () => {
    for (const path of fields) {
      const bad = setAt(network, path, CANARY);
      const accepted = !refused(libvirtNetwork, bad);
      // uid is set by the API server (Kubernetes mode), never written by a person.
      assert.equal(accepted, path.join(".") === "metadata.uid", path.join("."));
    }
    assert.ok(refused(libvirtNetwork, setAt(network, ["spec", "ipv4", "address"], CANARY)));
  });
});

const underSpec = tripleoUndercloudSpec.parse({
  managerRef: { name: "lab" },
  nics: [{ networkRef: { name: "a" } }, { networkRef: { name: "b" } }],
  tripleo: { undercloudConf: { extra: { clean_nodes: "true" } }, containerImageTags: { tag: "t1" } },
});

describe("cloud-config", () => {
  const input = {
    hostname: "vm",
    fqdn: "vm.localdomain",
    user: "tripleo",
    groups: ["wheel"],
    password: { hash: "$6$salt$hash" },
    authorizedKey: "ssh-ed25519 AAAA op@lab",
    timezone: "UTC",
    hostKey: { privateKey: "-----BEGIN-----\nkey\n-----END-----\n", publicKey: "ssh-ed25519 BBBB" },
    disableAfterFirstBoot: true,
  };
  const fromSpec: [keyof typeof input, Path][] = [
    ["hostname", ["cloudInit", "hostname"]],
    ["fqdn", ["cloudInit", "fqdn"]],
    ["user", ["cloudInit", "user"]],
    ["timezone", ["cloudInit", "timezone"]],
  ];
  for (const [field, path] of fromSpec) {
    test(`${field} is YAML-stringified in user-data and refused by the schema`, () => {
      const text = renderUserData({ ...input, [field]: CANARY });
      assert.ok(text.startsWith("#cloud-config\n"));
      const data = parse(text) as Record<string, unknown> & { users: { name: string }[] };
      const value = field === "user" ? data.users[0]!.name : data[field];
      assert.equal(value, CANARY);
      assert.deepEqual(Object.keys(data).sort(), Object.keys(parse(renderUserData(input)) as object).sort());
      assert.ok(refused(tripleoUndercloudSpec, setAt(underSpec, path, CANARY)));
    });
  }

  test("groups are YAML-stringified and refused by the schema", () => {
    const data = parse(renderUserData({ ...input, groups: [CANARY] })) as { users: { groups: string }[] };
    assert.equal(data.users[0]!.groups, CANARY);
    assert.ok(refused(tripleoUndercloudSpec, setAt(underSpec, ["cloudInit", "groups", 0], CANARY)));
  });

  test("meta-data and network-config carry the canary as YAML strings", () => {
    assert.deepEqual(parse(renderMetaData({ instanceId: CANARY, hostname: CANARY })), {
      "instance-id": CANARY,
      "local-hostname": CANARY,
    });
    const net = parse(renderNetworkConfig({ nameservers: [CANARY] })) as {
      ethernets: { eth0: { nameservers: { addresses: string[] } } };
    };
    assert.deepEqual(net.ethernets.eth0.nameservers.addresses, [CANARY]);
    assert.ok(refused(tripleoUndercloudSpec, setAt(underSpec, ["cloudInit", "nameserver"], CANARY)));
  });

  test("container image tags are YAML-stringified and refused by the schema", () => {
    const prepared = "parameter_defaults:\n  ContainerImagePrepare:\n  - set:\n      tag: old\n";
    const pinned = parse(pinContainerImageTags(prepared, { tag: CANARY, cephTag: CANARY })) as {
      parameter_defaults: { ContainerImagePrepare: { set: Record<string, string> }[] };
    };
    assert.deepEqual(pinned.parameter_defaults.ContainerImagePrepare[0]!.set, {
      tag: CANARY,
      ceph_tag: CANARY,
    });
    for (const tag of ["tag", "cephTag"]) {
      assert.ok(
        refused(tripleoUndercloudSpec, setAt(underSpec, ["tripleo", "containerImageTags", tag], CANARY)),
      );
    }
  });
});

describe("undercloud.conf", () => {
  const conf = underSpec.tripleo.undercloudConf;
  const render = (c: TripleOUndercloudSpec["tripleo"]["undercloudConf"], fqdn = "uc.localdomain") =>
    renderUndercloudConf({ conf: c, home: "/home/tripleo", fqdn });
  const fields: Path[] = [
    ["outputDir"],
    ["containerImagesFile"],
    ["localInterface"],
    ["localIp"],
    ["undercloudHostname"],
    ["undercloudNameservers", 0],
    ["ironic", "power", 0],
    ["extra", "clean_nodes"],
  ];
  for (const path of fields) {
    test(`${path.join(".")} never splits an INI line and is refused by the schema`, () => {
      assert.throws(() => render(setAt(conf, path, CANARY)), /single line/);
      for (const value of [CANARY, ONE_LINE]) {
        const spec = setAt(underSpec, ["tripleo", "undercloudConf", ...path], value);
        assert.ok(refused(tripleoUndercloudSpec, spec), JSON.stringify(value));
      }
    });
  }

  test("an extra key that is not an option name is refused", () => {
    const spec = setAt(underSpec, ["tripleo", "undercloudConf", "extra"], { [`a\n[x]`]: "1" });
    assert.ok(refused(tripleoUndercloudSpec, spec));
  });

  test("an accepted extra value is written as one line, as given", () => {
    const value = "192.168.24.3, /home/tripleo/a.yaml:b=c";
    const spec = setAt(underSpec, ["tripleo", "undercloudConf", "extra", "clean_nodes"], value);
    const parsed = tripleoUndercloudSpec.parse(spec);
    const ini = render(parsed.tripleo.undercloudConf);
    assert.ok(ini.split("\n").includes(`clean_nodes = ${value}`));
  });
});

const vbmc = labManagerSpec.parse({ address: "m" }).virtualBMC;
const lmSpec = labManagerSpec.parse({ address: "m" });

describe("vbmcd unit and virtualbmc.conf", () => {
  for (const field of ["executable", "configDir", "logFile"] as const) {
    test(`${field} cannot reach the unit file with whitespace or newlines`, () => {
      assert.throws(() => renderVbmcdUnit({ ...vbmc, [field]: CANARY }), /whitespace/);
      for (const value of [CANARY, ONE_LINE, "/usr/local/bin/vb mcd", "/etc/../shadow"]) {
        assert.ok(
          refused(labManagerSpec, setAt(lmSpec, ["virtualBMC", field], value)),
          JSON.stringify(value),
        );
      }
    });
  }

  test("'%' in an accepted path is escaped as a systemd specifier", () => {
    const configDir = labManagerSpec.parse({ address: "m", virtualBMC: { configDir: "/etc/vbmc%i" } })
      .virtualBMC.configDir;
    assert.match(renderVbmcdUnit({ ...vbmc, configDir }), /\/etc\/vbmc%%i/);
  });

  test("virtualbmc.conf refuses multi-line values", () => {
    assert.throws(() => renderVirtualBmcConf({ ...vbmc, logFile: CANARY }), /single line/);
  });
});

describe("network hook, sudoers and shell-rc", () => {
  test("the hook config refuses a network name or subnet that could split its words", () => {
    for (const path of [
      ["spec", "networkName"],
      ["spec", "masquerade", 0],
    ]) {
      assert.throws(() => renderNetworkHookConfig([setAt(network, path, ONE_LINE)]), /not safe/);
      assert.ok(refused(libvirtNetwork, setAt(network, path, ONE_LINE)), path.join("."));
    }
    assert.match(renderNetworkHookConfig([network]), /^net 10\.0\.9\.0\/24$/m);
  });

  test("the hook script quotes its config file as one shell word", () => {
    assert.throws(() => renderNetworkHookScript(CANARY), /single line/);
    const script = renderNetworkHookScript(ONE_LINE);
    assert.ok(script.includes(shellWord(ONE_LINE)));
    const echoed = spawnSync("sh", ["-c", `printf %s ${shellWord(ONE_LINE)}`], { encoding: "utf8" });
    assert.equal(echoed.stdout, ONE_LINE);
    assert.ok(refused(labManagerSpec, setAt(lmSpec, ["networkHook", "configFile"], ONE_LINE)));
  });

  test("sudoers refuses any user name that is not a POSIX name", () => {
    assert.throws(() => renderSudoers(CANARY));
    assert.throws(() => renderSudoers("manager ALL=(ALL) NOPASSWD:ALL\nroot"));
    assert.ok(refused(labManagerSpec, setAt(lmSpec, ["user", "name"], CANARY)));
    assert.match(renderSudoers("manager"), /^manager /m);
  });

  test("the shell-rc block keeps what the user wrote around it and is idempotent", () => {
    const rc = `alias x='${ONE_LINE}'\n`;
    const once = withShellRcBlock(rc);
    assert.ok(once.startsWith(rc));
    assert.equal(withShellRcBlock(once), once);
  });
});

describe("remote and config-file strings of the LabManager", () => {
  const fields: Path[] = [
    ["address"],
    ["timezone"],
    ["ssh", "user"],
    ["ssh", "passwordRef", "file"],
    ["ssh", "privateKeyRef", "file"],
    ["ssh", "passwordRef", "key"],
    ["virtualBMC", "version"],
    ["packages", 0],
    ["bridges", 0, "name"],
    ["bridges", 0, "interfaces", 0],
  ];
  const base = labManagerSpec.parse({
    address: "m",
    ssh: { passwordRef: { file: "secrets/p" }, privateKeyRef: { file: "/keys/id" } },
    packages: ["vim"],
    bridges: [{ name: "br0", interfaces: ["eth0"] }],
  });
  for (const path of fields) {
    test(`${path.join(".")} refuses shell, quote and newline payloads`, () => {
      for (const value of [CANARY, ONE_LINE, "$(id)", "`id`", "a b", "a;b", "a\nb", "a'b"]) {
        assert.ok(
          refused(labManagerSpec, setAt(base, path, value)),
          `${path.join(".")} = ${JSON.stringify(value)}`,
        );
      }
    });
  }

  test("secret files and image URLs refuse '..' segments", () => {
    for (const file of ["../../etc/shadow", "secrets/../../etc/shadow", ".."]) {
      assert.ok(refused(labManagerSpec, setAt(base, ["ssh", "passwordRef", "file"], file)), file);
    }
    for (const url of ["file:///srv/../etc/shadow", "/srv/../../etc/shadow", "https://h/a/../b.qcow2"]) {
      assert.ok(refused(tripleoUndercloudSpec, setAt(underSpec, ["baseImage", "url"], url)), url);
    }
    assert.equal(
      refused(tripleoUndercloudSpec, setAt(underSpec, ["baseImage", "url"], "file:///srv/a.qcow2")),
      false,
    );
  });

  test("the osinfo variant is an id, not free text", () => {
    for (const v of [CANARY, "centos7.0 --extra", "centos7.0;id", ""]) {
      assert.ok(refused(tripleoUndercloudSpec, setAt(underSpec, ["osVariant"], v)), v);
    }
    assert.equal(refused(tripleoUndercloudSpec, setAt(underSpec, ["osVariant"], "rhel8.4")), false);
  });
});
