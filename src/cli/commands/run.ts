import type { Command } from "commander";
import { DEFAULT_WEB_ADDRESS } from "../../modes/file/web-address.js";

export interface FileModeOptions {
  file: string[];
  metricsAddress: string;
  workspace: string;
  stateDir?: string;
  timeout: string;
  workers: string;
  /** run only: `--web` alone is true (the default address), off when absent. */
  web?: string | boolean;
}

export interface KubernetesModeOptions {
  kubernetes?: boolean;
  namespace?: string[];
  allNamespaces?: boolean;
  kubeconfig?: string;
  leaseNamespace?: string;
  healthPort: string;
  allowPasswordOnFirstUse?: boolean;
}

/**
 * `labctl run`, `labctl apply` and `labctl plan`: the flags; the modes load with the action
 * (./run-actions.ts), so other commands start without them.
 */
export function registerRun(program: Command): void {
  withKubernetesOptions(withFileOptions(program.command("run"), false))
    .description(
      "run the operator continuously: watch manifests (or, with --kubernetes, custom resources), converge, repair drift",
    )
    .option("--web [address]", `serve the read-only status page (file mode; default ${DEFAULT_WEB_ADDRESS})`)
    .action(async (opts: FileModeOptions & KubernetesModeOptions) =>
      (await import("./run-actions.js")).runEitherMode(opts),
    );
  withFileOptions(program.command("apply"))
    .description("converge once and exit: 0 when every object is Ready, 1 with the failing conditions")
    .option("--recreate", "first remove what the lab's objects created (labctl delete), then converge")
    .option("--dry-run", "with --recreate: only print what would be removed, change nothing")
    .action(async (opts: FileModeOptions & { recreate?: boolean; dryRun?: boolean }) =>
      (await import("./run-actions.js")).applyWithRecreate(opts),
    );
  withFileOptions(program.command("plan"))
    .description("observe the hosts read-only and print the steps that apply would take")
    .action(async (opts: FileModeOptions) => (await import("./run-actions.js")).converge(opts, false));
}

function withFileOptions(cmd: Command, fileRequired = true): Command {
  const files = ["-f, --file <path...>", "manifest files or directories"] as const;
  return (fileRequired ? cmd.requiredOption(...files) : cmd.option(...files))
    .option("--workspace <dir>", "workspace directory (keys, passwords, ssh.config)", "workspace")
    .option("--state-dir <dir>", "state directory (default: <workspace>/state)")
    .option("--timeout <seconds>", "give up after this long (apply/plan)", "1800")
    .option("--workers <n>", "parallel reconciles per kind: N, or KIND=N,... (e.g. TripleOUndercloud=1)", "4")
    .option(
      "--metrics-address <host:port>",
      "serve /metrics, /healthz and /readyz here (run only; 'off' disables)",
      "127.0.0.1:8080",
    );
}

function withKubernetesOptions(cmd: Command): Command {
  return cmd
    .option(
      "--kubernetes",
      "serve LabManager/LibvirtNetwork/TripleOUndercloud custom resources from the API server",
    )
    .option("-n, --namespace <ns...>", "namespaces to serve (default: the pod's or the kubeconfig context's)")
    .option("-A, --all-namespaces", "serve every namespace")
    .option("--kubeconfig <path>", "kubeconfig (default: $KUBECONFIG, ~/.kube/config or in-cluster)")
    .option("--lease-namespace <ns>", "namespace of the leader-election Lease (default: the pod's)")
    .option("--health-port <port>", "serve /metrics, /healthz and /readyz on this port (0: off)", "8080")
    .option(
      "--allow-password-on-first-use",
      "send a passwordRef to a Manager whose host key is only trusted on first use (default: only to a pinned key)",
    );
}
