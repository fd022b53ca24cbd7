import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { labManagerSpec } from "../../../src/api/labmanager.js";
import type { ExecOptions, RemoteHost } from "../../../src/remote/types.js";
import { sha256 } from "../../../src/steps/labmanager/content.js";
import { managerFacts } from "../../../src/steps/labmanager/facts.js";
import { observeArgs, observeManager } from "../../../src/steps/labmanager/observe.js";
import { OBSERVE_MANAGER } from "../../../src/steps/labmanager/observe-script.js";

/** Runs `bash -c SCRIPT` on this machine, recording each argv: only observe is needed here. */
function localHost(env: NodeJS.ProcessEnv = process.env, argvs: string[][] = []): RemoteHost {
  const run = (script: string, args: readonly string[], stdin?: string | Buffer) =>
    new Promise<string>((resolve, reject) => {
      const argv = ["-c", script, "lab-operator", ...args];
      argvs.push(argv);
      const child = spawn("bash", argv, { stdio: ["pipe", "pipe", "pipe"], env });
      child.stdin.end(stdin ?? "");
      let out = "";
      let err = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr.on("data", (d: Buffer) => (err += d.toString()));
      child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}: ${err}`))));
    });
  const unused = () => {
    throw new Error("not used by observe");
  };
  return {
    id: "local",
    observe: async <T>(script: string, args: readonly string[], opts: ExecOptions) =>
      JSON.parse(await run(script, args, opts.stdin)) as T,
    exec: unused,
    upload: unused,
    readFile: unused,
    stream: unused,
  };
}

const spec = labManagerSpec.parse({ address: "localhost", user: { name: "root" }, packages: ["bash"] });

describe("Manager facts (observe script run locally, not over SSH)", () => {
  it("reports this Debian machine in the ManagerFacts shape", async () => {
    const facts = await observeManager(localHost(), spec);
    assert.equal(facts.osFamily, "debian");
    assert.ok(facts.installed.includes("bash"), "bash is installed");
    const requested = new Set(observeArgs(spec)[2]!.split("\n"));
    assert.ok(
      facts.installed.every((p) => requested.has(p)),
      "only packages of the requested set",
    );
    assert.equal(facts.user.exists, true);
    assert.equal(facts.user.home, "/root");
    assert.ok(
      facts.links.some((l) => l.ifname === "lo"),
      "loopback listed",
    );
    assert.ok(facts.timezone.length > 0, "a timezone is reported");
  });

  it("hashes watched files like node does, and reports mode and owner", async () => {
    const dir = mkdtempSync(join(tmpdir(), "observe-"));
    try {
      const content = 'quote " backslash \\ tab \t done\n';
      const path = join(dir, "a file with spaces.conf");
      writeFileSync(path, content);
      chmodSync(path, 0o640);
      // One sha256sum and stat for all files: a name with a backslash (sha256sum escapes its
      // line) and an absent file between them must not shift the others.
      const odd = join(dir, "back\\slash.conf");
      writeFileSync(odd, "other\n");
      const args = observeArgs(spec);
      args[4] = [odd, join(dir, "absent"), path].join("\n");
      const facts = managerFacts.parse(await localHost().observe(OBSERVE_MANAGER, args, { purpose: "test" }));
      assert.deepEqual(
        Object.keys(facts.files).filter((p) => p.startsWith(dir)),
        [odd, path],
      );
      assert.equal(facts.files[path]!.sha256, sha256(content));
      assert.equal(facts.files[path]!.mode, "640");
      assert.equal(facts.files[odd]!.sha256, sha256("other\n"));
      assert.equal(
        facts.files[odd]!.owner,
        execFileSync("stat", ["-c", "%U:%G", odd], { encoding: "utf8" }).trim(),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("finds the login's NIC under sudo, from SSH_CONNECTION in an ancestor's environment", async () => {
    // As under sudo: the script's own environment has no SSH_CONNECTION, a process two levels
    // up was started with it (the wrapper bash, then env's bash in between).
    const wrapper = 'env -u SSH_CONNECTION -u LAB_SCRIPT bash -c "$LAB_SCRIPT" lab-operator "$@"; exit $?';
    const host = localHost({
      ...process.env,
      SSH_CONNECTION: "127.0.0.1 40000 127.0.0.1 22",
      LAB_SCRIPT: 'bash -c "$1" lab-operator "${@:2}"; exit $?',
    });
    const underSudo: RemoteHost = {
      ...host,
      observe: <T>(script: string, args: readonly string[], opts: ExecOptions) =>
        host.observe<T>(wrapper, [script, ...args], opts),
    };
    const facts = await observeManager(underSudo, spec);
    assert.equal(facts.sshIface, "lo");
  });

  it("reports a user that does not exist as absent", async () => {
    const nobody = labManagerSpec.parse({ address: "localhost", user: { name: "lab_no_such_user" } });
    const facts = await observeManager(localHost(), nobody);
    assert.deepEqual(facts.user, { ...facts.user, exists: false, home: "", authorizedKeys: [] });
  });
});

describe(
  "the manager user's password against the desired one (crypt(3) on the host)",
  {
    skip: process.getuid?.() !== 0 && "needs root: creates a local user and reads /etc/shadow",
  },
  () => {
    const name = `lab_pw_${randomBytes(3).toString("hex")}`;
    const userSpec = labManagerSpec.parse({ address: "localhost", user: { name } });
    const secret = `pw ${randomBytes(6).toString("hex")} "quoted" \\ $HOME`;
    const check = async (password: string | undefined, env?: NodeJS.ProcessEnv) => {
      const argvs: string[][] = [];
      const facts = await observeManager(localHost(env, argvs), userSpec, password);
      if (password) assert.ok(!argvs.flat().some((a) => a.includes(password)), "the password is in no argv");
      return facts.user.passwordCheck;
    };

    it("same, differs, and unchecked when not asked", async () => {
      execFileSync("useradd", ["-M", name]);
      try {
        assert.equal(await check(secret), "unchecked", "no password set yet: the plan sets it");
        execFileSync("chpasswd", { input: `${name}:${secret}\n` });
        assert.equal(await check(secret), "same");
        assert.equal(await check(`${secret}x`), "differs");
        assert.equal(await check(undefined), "unchecked");
      } finally {
        execFileSync("userdel", [name]);
      }
    });

    /** A PATH with every tool of this machine but those `hidden` matches. */
    const pathWithout = (hidden: RegExp) => {
      const bin = mkdtempSync(join(tmpdir(), "path-without-"));
      for (const dir of ["/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin"])
        for (const tool of readdirSync(dir))
          if (!hidden.test(tool))
            try {
              symlinkSync(join(dir, tool), join(bin, tool));
            } catch {
              // the same tool earlier on PATH
            }
      return bin;
    };

    for (const [hidden, without, right, wrong] of [
      [/^perl/, "perl (python3's crypt compares)", "same", "differs"],
      [/^(perl|python)/, "perl and python3", "uncheckable", "uncheckable"],
    ] as const) {
      it(`on a Manager without ${without}: ${right}`, async () => {
        const bin = pathWithout(hidden);
        try {
          execFileSync("useradd", ["-M", name]);
          execFileSync("chpasswd", { input: `${name}:${secret}\n` });
          const env = { ...process.env, PATH: bin };
          assert.equal(await check(secret, env), right);
          assert.equal(await check(`${secret}x`, env), wrong);
        } finally {
          execFileSync("userdel", [name]);
          rmSync(bin, { recursive: true, force: true });
        }
      });
    }
  },
);
