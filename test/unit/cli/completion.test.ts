import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { emptyState } from "../../../src/controllers/state.js";
import { FileStateStore } from "../../../src/modes/file/filestate.js";

/**
 * `labctl completion bash` loaded in a real bash: the completion function is called the way
 * bash calls it (COMP_WORDS, COMP_CWORD) and COMPREPLY is checked. labctl is the package's
 * bin/labctl.js on PATH, as after `npm install`; names come from a state directory.
 */
const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

let dir: string;
let env: NodeJS.ProcessEnv;

/** COMPREPLY after completing the last of `words` (the words after `labctl`). */
async function bashComplete(...words: string[]): Promise<string[]> {
  const quoted = ["labctl", ...words].map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(" ");
  const script = `source <(labctl completion bash) || exit 9
complete -p labctl >/dev/null || exit 8
COMP_WORDS=(${quoted}); COMP_CWORD=${words.length}
COMP_LINE="\${COMP_WORDS[*]}"; COMP_POINT=\${#COMP_LINE}
_labctl
printf '%s\\n' "\${COMPREPLY[@]}"`;
  const { stdout } = await run("bash", ["-c", script], { cwd: dir, env });
  return stdout.split("\n").filter(Boolean).sort();
}

describe("labctl completion bash, in a real bash", { timeout: 120_000 }, () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "labctl-completion-"));
    await mkdir(join(dir, "bin"));
    await symlink(join(ROOT, "bin", "labctl.js"), join(dir, "bin", "labctl"));
    env = { ...process.env, PATH: `${join(dir, "bin")}${delimiter}${process.env.PATH ?? ""}` };
    // The default state directory, workspace/state, with three objects in two namespaces.
    const store = new FileStateStore(join(dir, "workspace", "state"));
    await store.save(emptyState("LabManager", "default", "lab"));
    await store.save(emptyState("LibvirtNetwork", "default", "hypervisor"));
    await store.save(emptyState("LibvirtNetwork", "other", "provisioning"));
    await writeFile(join(dir, "lab.yaml"), "");
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("completes commands", async () => {
    assert.deepEqual(await bashComplete("ge"), ["get"]);
    assert.deepEqual(await bashComplete("su"), ["suspend"]);
    const all = await bashComplete("");
    for (const c of ["get", "describe", "apply", "plan", "run", "completion", "sandbox"])
      assert.ok(all.includes(c), c);
    assert.ok(!all.some((c) => c.startsWith("__")), "the hidden __complete is not offered");
  });

  it("completes subcommands and their flags", async () => {
    assert.deepEqual(await bashComplete("sandbox", "st"), ["start", "status", "stop"]);
    assert.deepEqual(await bashComplete("get", "--ku"), ["--kubeconfig", "--kubernetes"]);
    assert.ok((await bashComplete("apply", "--")).includes("--workers"));
  });

  it("completes kinds, flag values and shells", async () => {
    assert.deepEqual(await bashComplete("get", ""), [
      "LabManager",
      "LibvirtNetwork",
      "OvercloudNodeSet",
      "TripleOUndercloud",
    ]);
    assert.deepEqual(await bashComplete("get", "-o", ""), ["json", "table"]);
    assert.deepEqual(await bashComplete("graph", "--output", ""), ["dot", "json"]);
    assert.deepEqual(await bashComplete("completion", ""), ["bash", "fish", "zsh"]);
  });

  it("completes object names from the state directory, within -n's namespace", async () => {
    assert.deepEqual(await bashComplete("describe", "LibvirtNetwork/"), [
      "LibvirtNetwork/hypervisor",
      "LibvirtNetwork/provisioning",
    ]);
    assert.deepEqual(await bashComplete("describe", "-n", "other", "Lib"), [
      "LibvirtNetwork/",
      "LibvirtNetwork/provisioning",
    ]);
    assert.deepEqual(await bashComplete("suspend", "LabManager/"), ["LabManager/lab"]);
    assert.deepEqual(await bashComplete("describe", "-n", ""), ["default", "other"]);
  });

  it("reads the state directory the words name, and offers nothing when it does not exist", async () => {
    assert.deepEqual(await bashComplete("describe", "--state-dir", join(dir, "none"), "LabManager/"), []);
  });

  it("leaves file arguments to bash's file completion", async () => {
    assert.deepEqual(await bashComplete("validate", "-f", "la"), ["lab.yaml"]);
    assert.deepEqual(await bashComplete("apply", "--workspace", "work"), ["workspace"]);
  });

  it("prints zsh and fish scripts that call back into labctl", async () => {
    const zsh = (await run("labctl", ["completion", "zsh"], { env })).stdout;
    assert.match(zsh, /^#compdef labctl/);
    assert.match(zsh, /labctl __complete -- /);
    const fish = (await run("labctl", ["completion", "fish"], { env })).stdout;
    assert.match(fish, /complete -c labctl -f -a '\(__labctl_complete\)'/);
    await assert.rejects(run("labctl", ["completion", "tcsh"], { env }), /unknown shell "tcsh"/);
  });

  it("fish: the script loaded in a real fish completes through `complete -C`", async () => {
    const fish = async (line: string) => {
      const script = `labctl completion fish | source; or exit 9; complete -C '${line}'`;
      const { stdout } = await run("fish", ["--no-config", "-c", script], { cwd: dir, env });
      return stdout.split("\n").filter(Boolean).sort();
    };
    assert.deepEqual(await fish("labctl ge"), ["get"]);
    assert.deepEqual(await fish("labctl sandbox st"), ["start", "status", "stop"]);
    assert.deepEqual(await fish("labctl describe LabManager/"), ["LabManager/lab"]);
    assert.ok(
      (await fish("labctl validate -f la")).includes("lab.yaml"),
      "paths through fish's own completion",
    );
  });

  it("zsh: the script loaded in a real zsh offers the same words (compadd recorded, not the line editor)", async () => {
    // zsh's completion widgets need a terminal; compadd and _files are recorded instead, so
    // what is checked is the script's own expansions and its call into labctl.
    const zsh = async (...words: string[]) => {
      const quoted = ["labctl", ...words].map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(" ");
      const script = `compdef() { :; }
compadd() { local s=""; [[ $1 == -S ]] && { s="(no space)"; shift 2 }; [[ $1 == -- ]] && shift; for w in "$@"; do print -r -- "$w$s"; done }
_files() { print -r -- "(files)" }
source <(labctl completion zsh) || exit 9
words=(${quoted}); CURRENT=${words.length + 1}
_labctl`;
      const { stdout } = await run("zsh", ["-f", "-c", script], { cwd: dir, env });
      return stdout.split("\n").filter(Boolean).sort();
    };
    assert.deepEqual(await zsh("ge"), ["get"]);
    assert.deepEqual(await zsh("sandbox", "st"), ["start", "status", "stop"]);
    assert.deepEqual(await zsh("validate", "-f", ""), ["(files)"]);
    assert.ok((await zsh("get", "")).includes("LabManager"));
  });
});
