// A real etcd + kube-apiserver for tests, started through test/apiserver/*.sh (the envtest approach).
// No controllers and no kubelet run: CRDs, RBAC, leases, events, watches and subresources are real.
import { execFile } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const SCRIPTS = fileURLToPath(new URL("../../apiserver/", import.meta.url));
/** A first build from nothing takes minutes (see test/apiserver/install.sh); a cached start, seconds. */
const INSTALL_TIMEOUT_MS = 40 * 60_000;
const UP_TIMEOUT_MS = 3 * 60_000;

export interface ApiServer {
  /** Admin kubeconfig (static token in system:masters, CA embedded). */
  kubeconfig: string;
  /** https://127.0.0.1:PORT; the same across restartApiServer(). */
  url: string;
  token: string;
  /** Folder with certs, etcd data and logs (etcd.log, kube-apiserver.log). */
  dir: string;
  /** The cached kubectl built with the apiserver (not whatever `kubectl` is first on PATH). */
  kubectl: string;
  binDir: string;
  /** PEM of the CA that signed the serving certificate. */
  caFile: string;
  /** process.env plus KUBECONFIG and PATH with binDir first, for child processes that run `kubectl`. */
  env: NodeJS.ProcessEnv;
  /** Stops both processes and removes dir. */
  stop(): Promise<void>;
  /** Restarts only kube-apiserver, on the same port with the same certs and token; etcd keeps its data. */
  restartApiServer(): Promise<void>;
  pids(): Promise<{ etcd: number; apiserver: number }>;
}

type ScriptEnv = Record<string, string>;

async function script(name: string, args: string[], timeout: number): Promise<ScriptEnv> {
  try {
    const { stdout } = await run("bash", [join(SCRIPTS, name), ...args], {
      timeout,
      maxBuffer: 64 * 1024 * 1024,
      killSignal: "SIGTERM",
    });
    return parseKeyValues(stdout);
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    const tail = (e.stderr ?? "").trim().split("\n").slice(-40).join("\n");
    throw new Error(`test/apiserver/${name} ${args.join(" ")} failed: ${e.message.split("\n")[0]}\n${tail}`, {
      cause: err,
    });
  }
}

function parseKeyValues(stdout: string): ScriptEnv {
  const env: ScriptEnv = {};
  for (const line of stdout.split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) env[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return env;
}

function required(env: ScriptEnv, key: string): string {
  const value = env[key];
  if (!value) throw new Error(`test/apiserver/up.sh printed no ${key}`);
  return value;
}

async function readPid(dir: string, name: string): Promise<number> {
  return Number.parseInt((await readFile(join(dir, `${name}.pid`), "utf8")).trim(), 10);
}

/** Starts etcd and kube-apiserver in a fresh temporary folder (or `dir`) and waits for /readyz. */
export async function startApiServer(options: { dir?: string } = {}): Promise<ApiServer> {
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), "lab-apiserver-")));
  let env: ScriptEnv;
  try {
    env = await script("up.sh", ["--dir", dir], INSTALL_TIMEOUT_MS);
  } catch (err) {
    await script("down.sh", ["--dir", dir], UP_TIMEOUT_MS).catch(() => undefined);
    throw err;
  }
  const binDir = required(env, "LAB_APISERVER_BIN_DIR");
  const kubeconfig = required(env, "KUBECONFIG");
  return {
    kubeconfig,
    url: required(env, "LAB_APISERVER_URL"),
    token: required(env, "LAB_APISERVER_TOKEN"),
    kubectl: required(env, "KUBECTL"),
    binDir,
    caFile: join(dir, "pki", "ca.crt"),
    env: { ...process.env, KUBECONFIG: kubeconfig, PATH: `${binDir}${delimiter}${process.env.PATH ?? ""}` },
    dir,
    stop: async () => void (await script("down.sh", ["--dir", dir], UP_TIMEOUT_MS)),
    restartApiServer: async () => void (await script("restart-apiserver.sh", ["--dir", dir], UP_TIMEOUT_MS)),
    pids: async () => ({ etcd: await readPid(dir, "etcd"), apiserver: await readPid(dir, "kube-apiserver") }),
  };
}

/** Runs the cached kubectl against the server; resolves to stdout, rejects with stderr in the message. */
export async function kubectl(api: ApiServer, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      api.kubectl,
      ["--kubeconfig", api.kubeconfig, ...args],
      { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`kubectl ${args.join(" ")}: ${err.message.split("\n")[0]}\n${stderr}`));
        else resolve(stdout);
      },
    );
    child.stdin?.end(input ?? "");
  });
}

/**
 * Makes sure the binaries are there (building them once if needed) and returns false, or returns
 * the reason they can't be had, printed loudly, for `it(name, { skip })`.
 * LAB_APISERVER_NO_BUILD=1 only looks in the cache; LAB_REQUIRE_APISERVER=1 turns a skip into a failure.
 */
export async function skipUnlessApiServer(): Promise<string | false> {
  try {
    if (await cached()) return false;
    if (process.env.LAB_APISERVER_NO_BUILD === "1") {
      throw new Error("not cached and LAB_APISERVER_NO_BUILD=1 (run test/apiserver/install.sh)");
    }
    console.error(
      "# building kube-apiserver, kubectl and etcd once (minutes; see test/apiserver/install.sh)",
    );
    await script("install.sh", [], INSTALL_TIMEOUT_MS);
    return false;
  } catch (err) {
    const reason = `no kube-apiserver/etcd binaries: ${(err as Error).message}`;
    if (process.env.LAB_REQUIRE_APISERVER === "1") throw new Error(reason, { cause: err });
    const bar = "!".repeat(100);
    console.error(`\n${bar}\nSKIPPING real-apiserver tests: ${reason}\n${bar}\n`);
    return `SKIPPED (no real apiserver): ${reason.split("\n")[0]}`;
  }
}

async function cached(): Promise<boolean> {
  return script("install.sh", ["--check"], 60_000).then(
    () => true,
    () => false,
  );
}
