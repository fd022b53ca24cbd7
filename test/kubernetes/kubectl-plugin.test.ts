// `kubectl lab ...` through the real kubectl: plugin discovery on PATH, then get, describe,
// suspend, resume and reconcile against the real apiserver, with kubectl's -n, --context and
// --kubeconfig. A trivial in-process operator makes the objects Ready (no SSH).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createKubernetesOperator } from "../../src/modes/kubernetes/operator.js";
import { skipUnlessApiServer } from "../e2e/support/apiserver.js";
import { labManagerYaml, quietLog, startCluster, trivialReconcilers, type TestCluster } from "./support.js";

const run = promisify(execFile);
const skip = await skipUnlessApiServer();
const PLUGIN = fileURLToPath(new URL("../../bin/kubectl-lab.js", import.meta.url));

describe("kubectl lab (kubectl plugin) against the real apiserver", { skip, timeout: 300_000 }, () => {
  let cluster: TestCluster;
  let operator: ReturnType<typeof createKubernetesOperator>;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  /** The real kubectl, with kubectl-lab on PATH (as `npm install -g` would put it). */
  const kubectlLab = async (...args: string[]) =>
    (await run(cluster.api.kubectl, ["lab", ...args], { env, timeout: 60_000 })).stdout;

  before(async () => {
    cluster = await startCluster();
    dir = await mkdtemp(join(tmpdir(), "kubectl-lab-"));
    await mkdir(join(dir, "bin"));
    await symlink(PLUGIN, join(dir, "bin", "kubectl-lab"));
    env = {
      ...process.env,
      KUBECONFIG: cluster.api.kubeconfig,
      PATH: [join(dir, "bin"), cluster.api.binDir, dirname(process.execPath), process.env.PATH].join(
        delimiter,
      ),
    };
    await cluster.kubectl(["create", "namespace", "team"]);
    operator = createKubernetesOperator({
      clients: cluster.clients,
      namespaces: ["default", "team"],
      reconcilers: trivialReconcilers([]),
      log: quietLog,
      identity: "test-operator",
    });
    await operator.start();
    await cluster.kubectl(["apply", "-f", "-"], labManagerYaml("lab1"));
    await cluster.kubectl(["apply", "-f", "-"], labManagerYaml("lab2", { namespace: "team" }));
    for (const [ns, name] of [
      ["default", "lab1"],
      ["team", "lab2"],
    ])
      await cluster.kubectl([
        "wait",
        "-n",
        ns!,
        "--for=condition=Ready",
        "--timeout=60s",
        `labmanager/${name}`,
      ]);
  });

  after(async () => {
    await operator?.stop();
    await cluster?.api.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test("kubectl plugin list finds kubectl-lab on PATH", async () => {
    const { stdout } = await run(cluster.api.kubectl, ["plugin", "list"], { env });
    assert.ok(stdout.includes(join(dir, "bin", "kubectl-lab")), stdout);
  });

  test("kubectl lab get lists every namespace's objects; -n one namespace", async () => {
    const all = await kubectlLab("get");
    assert.match(all, /^lab1\s+LabManager\s+lab1\s+True\s+Converged/m);
    assert.match(all, /^lab2\s+LabManager\s+lab2\s+True\s+Converged/m);
    const team = await kubectlLab("get", "labmanagers", "-n", "team");
    assert.match(team, /^lab2\s/m);
    assert.doesNotMatch(team, /^lab1\s/m);
  });

  test("kubectl lab describe shows the object's conditions and events", async () => {
    const out = await kubectlLab("describe", "LabManager/lab2", "-n", "team");
    assert.match(out, /^Name:\s+lab2$/m);
    assert.match(out, /^Namespace:\s+team$/m);
    assert.match(out, /Ready\s+True\s+Converged/);
    assert.match(out, /Normal\s+Converged\s+.*converged at generation 1/);
  });

  test("kubectl lab suspend / resume patch spec.suspend; reconcile sets the request annotation", async () => {
    const suspend = () => cluster.kubectl(["get", "labmanager", "lab1", "-o", "jsonpath={.spec.suspend}"]);
    assert.match(await kubectlLab("suspend", "LabManager/lab1"), /LabManager\/lab1 suspended/);
    assert.equal(await suspend(), "true");
    assert.match(await kubectlLab("resume", "LabManager/lab1"), /resumed/);
    assert.equal(await suspend(), "false");
    // --wait needs the real controllers (they echo the request in status.lastHandledReconcileAt);
    // here the request itself is checked: the annotation kubectl would patch.
    const out = await kubectlLab("reconcile", "LabManager/lab1");
    const at = /reconcile requested at (\S+)/.exec(out)?.[1];
    assert.ok(at, out);
    const annotations = JSON.parse(
      await cluster.kubectl(["get", "labmanager", "lab1", "-o", "jsonpath={.metadata.annotations}"]),
    );
    assert.equal(annotations["openstacklab.io/reconcile-requested-at"], at);
  });

  test("--context and --kubeconfig are kubectl's: a kubeconfig whose current context is unreachable", async () => {
    const copy = join(dir, "kubeconfig");
    const cfg = (...args: string[]) =>
      run(cluster.api.kubectl, ["config", "--kubeconfig", copy, ...args], { env });
    await run("cp", [cluster.api.kubeconfig, copy]);
    const view = JSON.parse((await cfg("view", "--raw", "-o", "json")).stdout);
    const good = view.contexts[0].context as { cluster: string; user: string };
    await cfg("set-cluster", "nowhere", "--server", "https://127.0.0.1:1", "--insecure-skip-tls-verify=true");
    await cfg("set-context", "nowhere", "--cluster", "nowhere", "--user", good.user);
    await cfg("set-context", "lab", "--cluster", good.cluster, "--user", good.user);
    await cfg("use-context", "nowhere");
    await assert.rejects(kubectlLab("get", "--kubeconfig", copy), /fetch failed|ECONNREFUSED/);
    assert.match(await kubectlLab("get", "--kubeconfig", copy, "--context", "lab"), /^lab1\s/m);
    await assert.rejects(
      kubectlLab("get", "--kubeconfig", copy, "--context", "nope"),
      /context "nope" is not in the kubeconfig/,
    );
  });
});
