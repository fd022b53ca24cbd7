import type { Command } from "commander";
import { rootLogger } from "../../log.js";
import { waitForSettled } from "../../runtime/settle.js";
import { createFileOperator } from "../operator.js";
import { stateDirOf } from "../paths.js";
import { createWorkspaceHosts } from "../hosts.js";
import { printNotReady, printPlan } from "../report.js";
import { serveMetrics } from "../metrics.js";
import { DEFAULT_WEB_ADDRESS, serveStatusPage } from "../web.js";
import { showProgress } from "../progress.js";
import { kubernetesRuntime, LeaderElectedOperator, reconcilersFor } from "../../kube/operator.js";
import { createKubeHosts } from "../../kube/kubehosts.js";
import { serveKubernetesMetrics } from "../../kube/serve.js";
import { watchManagerEvents } from "../event-wiring.js";

interface FileModeOptions {
  file: string[];
  metricsAddress: string;
  workspace: string;
  stateDir?: string;
  timeout: string;
  workers: string;
  /** run only: `--web` alone is true (the default address), off when absent. */
  web?: string | boolean;
}

interface KubernetesModeOptions {
  kubernetes?: boolean;
  namespace?: string[];
  allNamespaces?: boolean;
  kubeconfig?: string;
  leaseNamespace?: string;
  healthPort: string;
}

/** `labctl run`, `labctl apply` and `labctl plan`: the operator over manifest files. */
export function registerRun(program: Command): void {
  withKubernetesOptions(withFileOptions(program.command("run"), false))
    .description(
      "run the operator continuously: watch manifests (or, with --kubernetes, custom resources), converge, repair drift",
    )
    .option("--web [address]", `serve the read-only status page (file mode; default ${DEFAULT_WEB_ADDRESS})`)
    .action((opts: FileModeOptions & KubernetesModeOptions) => runEitherMode(opts));
  withFileOptions(program.command("apply"))
    .description("converge once and exit: 0 when every object is Ready, 1 with the failing conditions")
    .action((opts: FileModeOptions) => converge(opts, true));
  withFileOptions(program.command("plan"))
    .description("observe the hosts read-only and print the steps that apply would take")
    .action((opts: FileModeOptions) => converge(opts, false));
}

function withFileOptions(cmd: Command, fileRequired = true): Command {
  const files = ["-f, --file <path...>", "manifest files or directories"] as const;
  return (fileRequired ? cmd.requiredOption(...files) : cmd.option(...files))
    .option("--workspace <dir>", "workspace directory (keys, passwords, ssh.config)", "workspace")
    .option("--state-dir <dir>", "state directory (default: <workspace>/state)")
    .option("--timeout <seconds>", "give up after this long (apply/plan)", "1800")
    .option("--workers <n>", "parallel reconciles", "4")
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
    .option("--health-port <port>", "serve /metrics, /healthz and /readyz on this port (0: off)", "8080");
}

function runEitherMode(opts: FileModeOptions & KubernetesModeOptions): Promise<void> {
  if (opts.kubernetes) return runKubernetes(opts);
  if (!opts.file?.length)
    throw new Error("-f/--file is required (or --kubernetes to serve custom resources)");
  return run(opts);
}

/** Kubernetes mode: only the lease holder reconciles; the others wait to take over. */
async function runKubernetes(opts: FileModeOptions & KubernetesModeOptions): Promise<void> {
  const log = rootLogger();
  const runtime = await kubernetesRuntime({
    kubeconfig: opts.kubeconfig,
    namespaces: opts.namespace ?? [],
    allNamespaces: Boolean(opts.allNamespaces),
    leaseNamespace: opts.leaseNamespace,
  });
  // Keys, passwords and pinned host keys live in Secrets owned by the objects: no workspace.
  const hosts = await createKubeHosts(runtime.clients, log);
  const operator = new LeaderElectedOperator({
    ...runtime,
    reconcilers: reconcilersFor(hosts),
    log,
    workers: Number(opts.workers),
  });
  // Event-driven drift as in file mode, for as long as this process leads.
  operator.onTerm((manager, states) => {
    const watcher = watchManagerEvents(manager, states, hosts, log);
    return () => watcher.stop();
  });
  const health = await serveKubernetesMetrics(Number(opts.healthPort), operator, hosts.stats, log);
  operator.start();
  log.info(
    { identity: operator.elector.identity, namespaces: runtime.namespaces },
    "waiting for the leader lease",
  );
  await untilSignal(log);
  await operator.stop();
  health?.close();
  await hosts.close();
  log.info("operator stopped; lease released");
}

function untilSignal(log: ReturnType<typeof rootLogger>): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info({ signal }, "stopping: finishing the current step of each reconcile");
      resolve();
    };
    process.once("SIGINT", () => stop("SIGINT"));
    process.once("SIGTERM", () => stop("SIGTERM"));
  });
}

async function run(opts: FileModeOptions): Promise<void> {
  const log = rootLogger();
  const hosts = createWorkspaceHosts(opts.workspace, log);
  const { manager, source, events, states } = createFileOperator({
    manifests: opts.file,
    stateDir: stateDirOf(opts),
    hosts,
    log,
    watch: true,
    mutate: true,
    workers: Number(opts.workers),
  });
  await source.start(manager);
  await manager.adoptSavedState();
  const http = await serveMetrics(opts.metricsAddress, manager, hosts, log);
  const web = opts.web
    ? await serveStatusPage(opts.web === true ? DEFAULT_WEB_ADDRESS : opts.web, manager, states, log)
    : undefined;
  manager.start();
  log.info({ manifests: opts.file }, "operator running");
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info({ signal }, "stopping: finishing the current step of each reconcile");
      resolve();
    };
    process.once("SIGINT", () => stop("SIGINT"));
    process.once("SIGTERM", () => stop("SIGTERM"));
  });
  await withDeadline(log, async () => {
    await source.stop();
    await events?.stop();
    await manager.stop();
    await hosts.close();
    http?.close();
    await web?.close();
  });
  log.info("operator stopped; state saved");
}

/** Graceful stop waits for running steps, but not forever: a stuck one must not hang the process. */
const STOP_DEADLINE_MS = 60_000;

async function withDeadline(log: ReturnType<typeof rootLogger>, stop: () => Promise<void>): Promise<void> {
  const timer = setTimeout(() => {
    log.error(
      { deadlineMs: STOP_DEADLINE_MS },
      "graceful stop took too long; exiting (state was saved after each step)",
    );
    process.exit(1);
  }, STOP_DEADLINE_MS);
  timer.unref();
  await stop();
  clearTimeout(timer);
}

async function converge(opts: FileModeOptions, mutate: boolean): Promise<void> {
  const log = rootLogger();
  // On a terminal the progress lines tell the story; info logs would tear through them.
  if (mutate && process.stdout.isTTY && !process.env.LOG_LEVEL) log.level = "warn";
  const hosts = createWorkspaceHosts(opts.workspace, log);
  const { manager, source, states } = createFileOperator({
    manifests: opts.file,
    stateDir: stateDirOf(opts),
    hosts,
    log,
    watch: false,
    mutate,
    workers: Number(opts.workers),
  });
  await source.start(manager);
  await manager.adoptSavedState();
  if (manager.sourceErrorsSeen.length && manager.cache.list().length === 0) {
    for (const line of manager.sourceErrorsSeen) console.error(line);
    process.exitCode = 1;
    return hosts.close();
  }
  const progress = mutate ? showProgress(manager, states) : undefined;
  manager.start();
  const outcome = await waitForSettled(manager, states, {
    timeoutMs: Number(opts.timeout) * 1000,
    once: !mutate,
  });
  await manager.stop();
  progress?.stop();
  await hosts.close();
  if (!mutate) return printPlan(await states.list());
  for (const line of manager.sourceErrorsSeen) console.error(line);
  if (outcome.ok && manager.sourceErrorsSeen.length === 0) return;
  printNotReady(outcome);
  process.exitCode = 1;
}
