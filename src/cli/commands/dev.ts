import type { Command } from "commander";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { projectPath } from "../../util/project-root.js";

const ACTIONS = { up: "up.sh", down: "down.sh", restart: "restart-apiserver.sh" } as const;
type Action = keyof typeof ACTIONS;

export function registerDev(program: Command): void {
  const dev = program.command("dev").description("development helpers (local test infrastructure)");
  dev
    .command("apiserver")
    .description("start/stop a real kube-apiserver + etcd on 127.0.0.1 (built once, then cached)")
    .argument("<action>", "up | down | restart (restart only kube-apiserver, same port)")
    .option("--dir <dir>", "folder for certs, data, logs and the kubeconfig (default /tmp/lab-apiserver)")
    .action(async (action: string, opts: { dir?: string }) => {
      if (!isAction(action)) throw new Error(`unknown action "${action}": use up, down or restart`);
      process.exitCode = await runScript(action, opts.dir);
    });
}

function isAction(action: string): action is Action {
  return Object.hasOwn(ACTIONS, action);
}

async function runScript(action: Action, dir: string | undefined): Promise<number> {
  const script = projectPath("test", "apiserver", ACTIONS[action]);
  if (!existsSync(script)) {
    console.error(`labctl dev apiserver needs the repository checkout: ${script} is missing`);
    return 1;
  }
  const args = dir ? [script, "--dir", dir] : [script];
  const { code, stdout } = await spawnCollecting("bash", args);
  if (code === 0 && action !== "down") printHints(stdout);
  return code;
}

function spawnCollecting(cmd: string, args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "inherit"] });
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, stdout }));
  });
}

function printHints(stdout: string): void {
  const env = new Map(
    stdout
      .split("\n")
      .filter((line) => line.includes("="))
      .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)] as const),
  );
  const kubeconfig = env.get("KUBECONFIG");
  console.log(`kube-apiserver: ${env.get("LAB_APISERVER_URL") ?? "?"}`);
  console.log(`kubeconfig:     ${kubeconfig ?? "?"}`);
  console.log(`logs:           ${env.get("LAB_APISERVER_DIR") ?? "?"}/{kube-apiserver,etcd}.log`);
  console.log("");
  console.log(`export KUBECONFIG=${kubeconfig ?? "?"}`);
  console.log(`export PATH=${env.get("LAB_APISERVER_BIN_DIR") ?? "?"}:$PATH   # the matching kubectl first`);
}
