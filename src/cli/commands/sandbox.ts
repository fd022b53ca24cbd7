import type { Command } from "commander";
import { join } from "node:path";
import type { UpOptions } from "./sandbox-actions.js";

/**
 * labctl sandbox: a real Manager on this machine for trying labctl out and for e2e tests,
 * as Debian system containers booted with systemd-nspawn (root needed). The workspace gets
 * the key pair root@manager, the containers' pinned host keys and `manager-root` blocks.
 */
export interface CommonOptions {
  workspace: string;
  stateDir: string;
}

function defaultStateDir(): string {
  return join(process.env.LAB_STATE_DIR ?? "/var/lib/lab-operator", "sandbox");
}

function withCommonOptions(cmd: Command): Command {
  return cmd
    .option("--workspace <dir>", "the Orchestrator's workspace", "./workspace")
    .option("--state-dir <dir>", "where the containers and their record live", defaultStateDir());
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`not a positive integer: ${value}`);
  return n;
}

export function registerSandbox(program: Command): void {
  const sandbox = program
    .command("sandbox")
    .description("a real Manager on this machine: Debian system containers under systemd-nspawn (root)");

  withCommonOptions(sandbox.command("up"))
    .description("boot N sandbox Managers (adds to an existing sandbox) and wire them into the workspace")
    .option("--count <n>", "how many containers the sandbox should have", positiveInt, 1)
    .option(
      "--variant <variant>",
      "bare, prebaked (libvirt and qemu installed), or el (an EL 9 family Manager: NetworkManager, firewalld, dnf with a local RPM repository double)",
      "bare",
    )
    .option("--prefix <name>", "container names are <prefix>-<i> (default labmgr)")
    .option("--bridge <name>", "host bridge of a new sandbox (default labsbx0)")
    .option("--subnet <a.b.c>", "its /24, gateway .1, containers from .11 (default 10.77.0)")
    .action(async (opts: UpOptions) => (await import("./sandbox-actions.js")).up(opts));

  withCommonOptions(sandbox.command("down"))
    .description("power off and remove the sandbox (or one container) and everything it created")
    .option("--name <name>", "only this container")
    .action(async (opts: CommonOptions & { name?: string }) =>
      (await import("./sandbox-actions.js")).down(opts),
    );

  withCommonOptions(sandbox.command("status"))
    .description("each container: running, reachable over ssh, systemd's state")
    .action(async (opts: CommonOptions) => {
      const { runSandboxScript } = await import("./sandbox-scripts.js");
      process.stdout.write(await runSandboxScript("status.sh", ["--state-dir", opts.stateDir]));
    });

  for (const verb of ["stop", "start", "reboot"] as const) {
    withCommonOptions(sandbox.command(`${verb} <name>`))
      .description(`${verb} one sandbox container (its copy and host key are kept)`)
      .action(async (name: string, opts: CommonOptions) =>
        (await import("./sandbox-actions.js")).control(verb, name, opts),
      );
  }
}
