import type { Command } from "commander";
import { runSsh } from "../spawn-ssh.js";
import { podmanBashCall, podmanCall, podmanRestartCall } from "../ssh-shortcuts.js";
import { interactive, passThrough } from "./ssh.js";

interface WorkspaceOption {
  workspace: string;
}

const HOST = ["<host>", "ssh.config alias, e.g. tripleo"] as const;

/** The seed's podman, podman-bash and podman-restart: without a container, they list them. */
export function registerPodman(program: Command): void {
  passThrough(
    program,
    "podman",
    "podman as root on a workspace host; without arguments, its containers (podman ps)",
  )
    .argument(...HOST)
    .argument("[args...]", "podman's arguments, e.g. ps -a")
    .action((host: string, args: string[], opts: WorkspaceOption) =>
      runSsh(opts.workspace, podmanCall(host, args, interactive())),
    );
  passThrough(
    program,
    "podman-bash",
    "bash inside a container on a workspace host; without one, the container names",
  )
    .argument(...HOST)
    .argument("[container]", "container name, e.g. mistral_engine")
    .action((host: string, container: string | undefined, opts: WorkspaceOption) =>
      runSsh(opts.workspace, podmanBashCall(host, container, interactive())),
    );
  passThrough(
    program,
    "podman-restart",
    "restart a container on a workspace host; without one, the container names",
  )
    .argument(...HOST)
    .argument("[container]", "container name, e.g. ironic_conductor")
    .action((host: string, container: string | undefined, opts: WorkspaceOption) =>
      runSsh(opts.workspace, podmanRestartCall(host, container)),
    );
}
