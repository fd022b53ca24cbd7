// Kubernetes mode end to end: `labctl run --kubernetes` processes against a real
// kube-apiserver and a real sandbox Manager (systemd-nspawn Debian container), driven with
// the real kubectl. The login key comes from a Secret; what the operator generates and the
// Manager's host key live in a Secret owned by the LabManager, never in the workspace.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { LEASE_NAME } from "../../src/modes/kubernetes/operator.js";
import { fingerprintOf } from "../../src/remote/hostkeys.js";
import { skipUnlessApiServer } from "../e2e/support/apiserver.js";
import {
  type Sandbox,
  skipUnlessSandboxCapable,
  sshRun,
  startSandbox,
  stopSandbox,
} from "../e2e/support/sandbox.js";
import { argoHealth } from "./argocd.js";
import { LABCTL, logLines, startOperator, type OperatorProcess } from "./operator-process.js";
import { eventually, startCluster, type TestCluster } from "./support.js";

const run = promisify(execFile);
const skip = (await skipUnlessApiServer()) || skipUnlessSandboxCapable();
const CONVERGE_MS = 10 * 60_000;

function labManagerYaml(address: string, trustOnFirstUse: boolean): string {
  return `apiVersion: openstacklab.io/v1alpha1
kind: LabManager
metadata: { name: lab, namespace: default }
spec:
  address: ${address}
  ssh:
    privateKeyRef: { secretName: manager-root-key, key: ssh-privatekey }
    trustOnFirstUse: ${trustOnFirstUse}
  virtualBMC: { enabled: false }
  user: { name: manager }
  resyncInterval: 1m
`;
}

function networkYaml(name: string, extra: string): string {
  return `apiVersion: openstacklab.io/v1alpha1
kind: LibvirtNetwork
metadata: { name: ${name}, namespace: default }
spec:
  managerRef: { name: lab }
${extra}`;
}

const NAT = (end: number) =>
  networkYaml(
    "labnat",
    `  mode: nat
  bridge: labnat0
  ipv4:
    address: 192.168.150.1/24
    dhcp: { ranges: [{ start: 192.168.150.10, end: 192.168.150.${end} }] }
`,
  );
const KEPT = networkYaml(
  "kept",
  `  mode: isolated
  bridge: labkept0
  deletionPolicy: Orphan
  ipv4: { address: 192.168.151.1/24 }
`,
);

describe("labctl run --kubernetes on a sandbox Manager", { skip, timeout: 30 * 60_000 }, () => {
  let cluster: TestCluster;
  let sandbox: Sandbox | undefined;
  let workspace = "";
  let port = 18300 + (process.pid % 500);
  const operators: OperatorProcess[] = [];
  const on = (cmd: string[]) => sshRun(sandbox!, sandbox!.managers[0]!, cmd);
  const address = () => sandbox!.managers[0]!.address;
  const apply = (yaml: string) => cluster.kubectl(["apply", "-f", "-"], yaml);
  const jsonpath = (what: string, path: string) => cluster.kubectl(["get", what, "-o", `jsonpath={${path}}`]);
  /** kubectl with a longer deadline than the shared helper's 60 s (kubectl wait). */
  const kubectlLong = async (args: string[]) =>
    (
      await run(cluster.api.kubectl, ["--kubeconfig", cluster.api.kubeconfig, ...args], {
        timeout: CONVERGE_MS + 60_000,
      })
    ).stdout;
  const waitReady = (what: string[], timeoutMs = CONVERGE_MS) =>
    kubectlLong(["wait", "--for=condition=Ready", `--timeout=${Math.round(timeoutMs / 1000)}s`, ...what]);
  const operator = () => {
    const op = startOperator({ kubeconfig: cluster.api.kubeconfig, healthPort: port++, workspace });
    operators.push(op);
    return op;
  };
  const holder = () => jsonpath(`lease/${LEASE_NAME}`, ".spec.holderIdentity");
  const allOutput = () =>
    operators
      .map((o) => {
        const exit = o.child.exitCode ?? o.child.signalCode ?? "running";
        return `--- ${o.identity} (${exit})\n${o.text().slice(-6000)}`;
      })
      .join("\n");

  before(
    async () => {
      cluster = await startCluster();
      sandbox = await startSandbox({ count: 1, variant: "prebaked", prefix: `kc${process.pid % 100_000}` });
      workspace = await mkdtemp(join(tmpdir(), "lab-kube-ws-"));
      await cluster.kubectl([
        ...["create", "secret", "generic", "manager-root-key"],
        `--from-file=ssh-privatekey=${sandbox.privateKeyPath}`,
      ]);
    },
    { timeout: 20 * 60_000 },
  );

  after(async () => {
    for (const op of operators) await op.stop("SIGKILL");
    await stopSandbox(sandbox);
    await cluster?.api.stop();
    if (workspace) await rm(workspace, { recursive: true, force: true });
  });

  test("kubectl apply of a LabManager and two networks converges them; kubectl shows it", async () => {
    const started = Date.now();
    const first = operator();
    await apply(labManagerYaml(address(), true));
    await apply(`${NAT(100)}---\n${KEPT}`);
    await waitReady(["labmanager/lab"]).catch((err: Error) => assert.fail(`${err.message}\n${allOutput()}`));
    await waitReady(["libvirtnetwork/labnat", "libvirtnetwork/kept"]);
    console.log(`# LabManager and two networks Ready ${Date.now() - started} ms after kubectl apply`);
    // Argo CD's health check on the statuses the operator really wrote (setup.sh installs lua5.1).
    for (const obj of ["labmanager/lab", "libvirtnetwork/labnat"]) {
      const health = await argoHealth(JSON.parse(await cluster.kubectl(["get", obj, "-o", "json"])));
      assert.equal(health.status, "Healthy", `${obj}: ${health.message}`);
    }
    const list = await on(["virsh", "net-list", "--all"]);
    assert.match(list, /^\s*labnat\s+active\s+yes\s+yes\s*$/m);
    assert.match(list, /^\s*kept\s+active\s+yes\s+yes\s*$/m);

    const table = await cluster.kubectl(["get", "openstacklab"]);
    console.log(table.replace(/^/gm, "# "));
    assert.match(table, /READY\s+REASON/);
    assert.match(table, /^labmanager\.openstacklab\.io\/lab\s+\S+\s+True\s/m);
    assert.match(table, /^libvirtnetwork\.openstacklab\.io\/labnat\s+lab\s+nat\s+True\s/m);
    const describe = await cluster.kubectl(["describe", "labmanager", "lab"]);
    assert.match(describe, /Events:[\s\S]*Converged/);
    assert.equal(await holder(), first.identity);
    assert.equal(
      await jsonpath("labmanager/lab", ".status.hostKeyFingerprint"),
      sandbox!.managers[0]!.fingerprint,
    );
  });

  test("labctl get, describe and graph read the cluster's records with --kubernetes", async () => {
    const labctl = async (...args: string[]) =>
      (
        await run(
          process.execPath,
          [LABCTL, ...args, "--kubernetes", "--kubeconfig", cluster.api.kubeconfig],
          {
            env: { ...process.env, LABCTL_FROM_SOURCE: "1" },
          },
        )
      ).stdout;
    const table = await labctl("get");
    assert.match(table, /^lab\s+LabManager\s+lab\s+True\s+Converged\s/m);
    assert.match(table, /^labnat\s+LibvirtNetwork\s+lab\s+True\s+Converged\s/m);
    const described = await labctl("describe", "LibvirtNetwork/labnat");
    assert.match(described, /^Conditions:[\s\S]*Ready\s+True\s+Converged/m);
    assert.match(described, /^Steps:[\s\S]*done/m);
    assert.match(await labctl("graph"), /"LibvirtNetwork\/default\/labnat" \[label="LibvirtNetwork\\nlabnat/);
  });

  test("generated keys, the password and the pinned host key are in a Secret the LabManager owns", async () => {
    const secret = JSON.parse(
      await cluster.kubectl(["get", "secret", "labcreds-labmanager-lab", "-o", "json"]),
    );
    const uid = await jsonpath("labmanager/lab", ".metadata.uid");
    assert.deepEqual(
      secret.metadata.ownerReferences.map((r: { kind: string; uid: string }) => `${r.kind}/${r.uid}`),
      [`LabManager/${uid}`],
    );
    const value = (k: string) => Buffer.from(secret.data[k] ?? "", "base64").toString("utf8");
    assert.match(value("manager-user-key"), /BEGIN OPENSSH PRIVATE KEY/);
    assert.match(value("manager-user-password"), /^[A-Za-z0-9]{25}$/);
    const [name, type, blob] = value("known_hosts").split(" ");
    assert.equal(name, address());
    assert.equal(type, "ssh-ed25519");
    assert.equal(fingerprintOf(Buffer.from(blob!, "base64")), sandbox!.managers[0]!.fingerprint);
    // The Manager's user logs in with the key from the Secret.
    const authorized = await on(["cat", "/home/manager/.ssh/authorized_keys"]);
    assert.ok(authorized.includes(value("manager-user-key.pub").split(" ")[1]!), authorized);
    // Nothing of it was written to the workspace (it stays empty in Kubernetes mode).
    assert.deepEqual(await readdir(workspace, { recursive: true }), []);
  });

  test("a network destroyed by hand is started again from libvirt's event, not its 5 m resync", async () => {
    const started = Date.now();
    await on(["virsh", "net-destroy", "labnat"]);
    await eventually(
      async () => /^\s*labnat\s+active\s/m.test(await on(["virsh", "net-list", "--all"])),
      60_000,
      allOutput,
    );
    console.log(`# network active again ${Date.now() - started} ms after virsh net-destroy`);
  });

  test("a spec edited while no operator runs is handled after start, host key pinned from the Secret", async () => {
    const [first] = operators;
    await first!.stop("SIGTERM");
    assert.match(first!.text(), /operator stopped; lease released/);
    // No trust on first use any more: the new process must pin the key recorded in the Secret.
    await apply(labManagerYaml(address(), false));
    await apply(NAT(120));
    const generation = await jsonpath("libvirtnetwork/labnat", ".metadata.generation");
    const second = operator();
    await kubectlLong([
      "wait",
      `--for=jsonpath={.status.observedGeneration}=${generation}`,
      "--timeout=300s",
      "libvirtnetwork/labnat",
    ]).catch((err: Error) => assert.fail(`${err.message}\n${second.text().slice(-6000)}`));
    await waitReady(["libvirtnetwork/labnat", "labmanager/lab"], 300_000);
    assert.match(await on(["virsh", "net-dumpxml", "labnat"]), /end=["']192\.168\.150\.120["']/);
    assert.equal(await holder(), second.identity);
  });

  test("two operators: only the lease holder touches the Manager; after SIGKILL the other takes over", async () => {
    const leader = operators.at(-1)!;
    const standby = operator();
    await eventually(async () => (await fetch(`http://127.0.0.1:${standby.healthPort}/readyz`)).ok, 60_000);
    // Watch who holds SSH sessions on the Manager's sshd, from both ends, for a while.
    const owners = new Map<number, number>();
    const deadline = Date.now() + 15_000;
    await apply(NAT(121)); // work for the leader while the standby waits
    while (Date.now() < deadline) {
      for (const [pid, n] of await sshSessionsByPid(address())) owners.set(pid, (owners.get(pid) ?? 0) + n);
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.ok((owners.get(leader.pid) ?? 0) > 0, `the leader holds no SSH session: ${[...owners]}`);
    assert.equal(owners.get(standby.pid) ?? 0, 0, "the standby opened an SSH session to the Manager");
    const managerPeers = peerPorts(await on(["ss", "-tnH", "state", "established", "sport", "=", ":22"]));
    const leaderPorts = await localPortsOf(leader.pid, address());
    assert.ok(
      managerPeers.some((p) => leaderPorts.includes(p)),
      "the Manager's sshd sees the leader",
    );
    assert.ok(
      !logLines(standby).some((l) => String(l.msg).startsWith("step started")),
      "the standby ran a step",
    );

    const killed = Date.now();
    await leader.stop("SIGKILL");
    await on(["virsh", "net-destroy", "labnat"]); // drift for the successor to repair
    await eventually(async () => (await holder()) === standby.identity, 60_000, allOutput);
    await eventually(
      async () => /Active:\s+yes/.test(await on(["virsh", "net-info", "labnat"])),
      5 * 60_000,
      () => standby.text().slice(-6000),
    );
    console.log(`# the standby took over and repaired the network ${Date.now() - killed} ms after SIGKILL`);
    assert.ok(logLines(standby).some((l) => String(l.msg).startsWith("step started")));
  });

  test("the apiserver restarts during the watch; the operator keeps working", async () => {
    await cluster.api.restartApiServer();
    await apply(NAT(122));
    const generation = await jsonpath("libvirtnetwork/labnat", ".metadata.generation");
    await kubectlLong([
      "wait",
      `--for=jsonpath={.status.observedGeneration}=${generation}`,
      "--timeout=300s",
      "libvirtnetwork/labnat",
    ]).catch((err: Error) => assert.fail(`${err.message}\n${allOutput()}`));
    assert.match(await on(["virsh", "net-dumpxml", "labnat"]), /end=["']192\.168\.150\.122["']/);
  });

  test("kubectl delete runs cleanup on the Manager; with Orphan the libvirt network stays", async () => {
    await kubectlLong(["delete", "libvirtnetwork", "labnat", "--timeout=300s"]);
    await assert.rejects(cluster.kubectl(["get", "libvirtnetwork", "labnat"]), /NotFound/);
    await assert.rejects(on(["virsh", "net-info", "labnat"]), /failed to get network|no network/i);

    await kubectlLong(["delete", "libvirtnetwork", "kept", "--timeout=300s"]);
    await assert.rejects(cluster.kubectl(["get", "libvirtnetwork", "kept"]), /NotFound/);
    assert.match(await on(["virsh", "net-info", "kept"]), /Active:\s+yes/);
  });

  test("no secret value in any log line, event, status, state record or command line", async () => {
    const secret = JSON.parse(
      await cluster.kubectl(["get", "secret", "labcreds-labmanager-lab", "-o", "json"]),
    );
    const decoded = (k: string) => Buffer.from(secret.data[k], "base64").toString("utf8");
    const rootKey = await readFile(sandbox!.privateKeyPath, "utf8");
    const needles = [
      decoded("manager-user-password"),
      ...keyBodyLines(decoded("manager-user-key")),
      ...keyBodyLines(rootKey),
    ];
    assert.ok(needles.length >= 5 && needles.every((n) => n.length >= 20), "the needles are real values");
    const events = await cluster.kubectl(["get", "events.events.k8s.io", "-A", "-o", "json"]);
    const objects = await cluster.kubectl(["get", "labmanagers,libvirtnetworks", "-A", "-o", "json"]);
    const records = await cluster.kubectl([
      "get",
      "configmaps",
      "-l",
      "openstacklab.io/state-of-kind",
      "-o",
      "json",
    ]);
    const haystacks: Record<string, string> = {
      events,
      "objects and statuses": objects,
      "state records": records,
      ...Object.fromEntries(operators.map((o) => [`log of ${o.identity}`, o.text()])),
      ...Object.fromEntries(operators.map((o) => [`argv of ${o.identity}`, [...o.cmdlines].join("\n")])),
    };
    assert.ok(JSON.parse(events).items.length > 0 && operators.every((o) => o.cmdlines.size > 0));
    for (const [where, text] of Object.entries(haystacks))
      for (const needle of needles) assert.ok(!text.includes(needle), `a secret value appears in ${where}`);
  });
});

/** The base64 lines of an OpenSSH private key (long enough not to match by chance). */
function keyBodyLines(pem: string): string[] {
  return pem
    .split("\n")
    .filter((l) => l.length >= 40 && !l.startsWith("-----"))
    .slice(0, 3);
}

/** Established TCP sessions to address:22 on this host, counted per owning PID. */
async function sshSessionsByPid(address: string): Promise<Map<number, number>> {
  const { stdout } = await run("ss", ["-tnpH", "state", "established", "dst", `${address}:22`]);
  const counts = new Map<number, number>();
  for (const m of stdout.matchAll(/pid=(\d+)/g))
    counts.set(Number(m[1]), (counts.get(Number(m[1])) ?? 0) + 1);
  return counts;
}

/** The client ports of `ss -tn` lines as the Manager's sshd sees them. */
function peerPorts(ss: string): number[] {
  return ss
    .split("\n")
    .map((l) => Number(/:(\d+)\s*$/.exec(l.trim())?.[1]))
    .filter((p) => p > 0);
}

/** Local ports of a PID's sessions to address:22. */
async function localPortsOf(pid: number, address: string): Promise<number[]> {
  const { stdout } = await run("ss", ["-tnpH", "state", "established", "dst", `${address}:22`]);
  return stdout
    .split("\n")
    .filter((l) => l.includes(`pid=${pid},`))
    .map((l) => Number(/\S+:(\d+)\s+\S+:22\b/.exec(l)?.[1]));
}
