import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { existsSync, readdirSync } from "node:fs";
import { mkdtemp, rm, symlink } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { kubectlCompletionWords, kubectlPluginArgv, PLUGIN_VERBS } from "../../../src/cli/kubectl-plugin.js";

const run = promisify(execFile);
const PLUGIN = fileURLToPath(new URL("../../../bin/kubectl-lab.js", import.meta.url));
const COMPLETE = fileURLToPath(new URL("../../../bin/kubectl_complete-lab.js", import.meta.url));

/** The kubectl test/apiserver/install.sh builds and caches (no server is needed here). */
function cachedKubectl(): string | undefined {
  const root = join(
    process.env.LAB_CACHE_DIR ?? join(homedir(), ".cache", "lab-operator"),
    "apiserver",
    "bin",
  );
  if (!existsSync(root)) return undefined;
  for (const d of readdirSync(root))
    if (existsSync(join(root, d, "kubectl"))) return join(root, d, "kubectl");
  return undefined;
}
const KUBECTL = cachedKubectl();

describe("kubectl lab: the words kubectl passes, as labctl's argv", () => {
  it("each verb is labctl's command in Kubernetes mode, kubectl's flags passed on", () => {
    assert.deepEqual(
      kubectlPluginArgv(["get", "labmanagers", "-n", "team", "--context", "prod", "--kubeconfig", "/k"]),
      {
        argv: ["get", "--kubernetes", "labmanagers", "-n", "team", "--context", "prod", "--kubeconfig", "/k"],
      },
    );
    assert.deepEqual(kubectlPluginArgv(["reconcile", "LabManager/lab", "--wait"]), {
      argv: ["reconcile", "--kubernetes", "LabManager/lab", "--wait"],
    });
    for (const verb of PLUGIN_VERBS) {
      const mapped = kubectlPluginArgv([verb]);
      assert.ok("argv" in mapped && mapped.argv[1] === "--kubernetes", verb);
    }
  });

  it("-A/--all-namespaces is labctl's default (no -n): dropped", () => {
    assert.deepEqual(kubectlPluginArgv(["get", "-A"]), { argv: ["get", "--kubernetes"] });
    assert.deepEqual(kubectlPluginArgv(["graph", "--all-namespaces"]), { argv: ["graph", "--kubernetes"] });
  });

  it("no verb prints the usage; a verb that is not a plugin verb is refused (file-mode commands too)", () => {
    const none = kubectlPluginArgv([]);
    assert.ok("usage" in none && none.exitCode === 0 && /kubectl lab VERB/.test(none.usage));
    for (const verb of ["apply", "run", "sandbox", "nonsense"]) {
      const refused = kubectlPluginArgv([verb]);
      assert.ok("usage" in refused && refused.exitCode === 2, verb);
      assert.match(refused.usage, new RegExp(`unknown verb "${verb}"`));
    }
  });

  it("bin/kubectl-lab.js runs it: usage with exit 0, an unknown verb exit 2, help named kubectl lab", async () => {
    const { stdout } = await run(PLUGIN, []);
    assert.match(stdout, /^kubectl lab: /);
    await assert.rejects(run(PLUGIN, ["apply"]), (e: { code: number; stderr: string }) => {
      assert.equal(e.code, 2);
      assert.match(e.stderr, /unknown verb "apply"/);
      return true;
    });
    const help = await run(PLUGIN, ["get", "--help"]);
    assert.match(help.stdout, /^Usage: kubectl lab get /m);
    assert.match(help.stdout, /--context <name>/);
  });

  it("completion words: the verbs first, then the verb in Kubernetes mode", () => {
    assert.deepEqual(kubectlCompletionWords([""]), { verbs: [...PLUGIN_VERBS] });
    assert.deepEqual(kubectlCompletionWords(["re"]), { verbs: ["resume", "reconcile"] });
    assert.deepEqual(kubectlCompletionWords(["get", "-n", "x", ""]), {
      words: ["get", "--kubernetes", "-n", "x", ""],
    });
  });

  it(
    "the real kubectl completes `kubectl lab ...` through kubectl_complete-lab on PATH",
    { skip: KUBECTL ? false : "no cached kubectl (bash test/apiserver/install.sh)" },
    async () => {
      const dir = await mkdtemp(join(tmpdir(), "kubectl-complete-"));
      try {
        await symlink(PLUGIN, join(dir, "kubectl-lab"));
        await symlink(COMPLETE, join(dir, "kubectl_complete-lab"));
        const env = {
          ...process.env,
          PATH: `${dir}${delimiter}${process.env.PATH ?? ""}`,
          KUBECONFIG: join(dir, "none"),
        };
        const lines = async (...words: string[]) =>
          (await run(KUBECTL!, ["__complete", "lab", ...words], { env })).stdout.split("\n").filter(Boolean);
        assert.deepEqual(await lines(""), [...PLUGIN_VERBS, ":4"]);
        assert.deepEqual(await lines("get", ""), [
          "LabManager",
          "LibvirtNetwork",
          "OvercloudNodeSet",
          "TripleOUndercloud",
          ":4",
        ]);
        assert.deepEqual(await lines("get", "--ku"), ["--kubeconfig", "--kubernetes", ":4"]);
        assert.deepEqual(
          await lines("describe", "--kubeconfig", ""),
          [":0"],
          "file names: cobra's default directive",
        );
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );
});
