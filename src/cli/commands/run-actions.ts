import { rootLogger } from "../../log.js";
import { convergeFileMode, runFileMode } from "../../modes/file/run.js";
import { DEFAULT_WEB_ADDRESS } from "../../modes/file/web-address.js";
import { runKubernetesMode } from "../../modes/kubernetes/run.js";
import { parseWorkerLimits } from "../../runtime/queues.js";
import { showProgress } from "../progress.js";
import { printNotReady, printPlan } from "../report.js";
import { stripControls } from "../../util/terminal.js";
import { quietOnTerminal, runDelete } from "./delete.js";
import type { FileModeOptions, KubernetesModeOptions } from "./run.js";

/** What `labctl run`, `apply` and `plan` do once their flags are parsed (loaded on use). */
export function runEitherMode(opts: FileModeOptions & KubernetesModeOptions): Promise<void> {
  const workers = parseWorkerLimits(opts.workers);
  if (opts.kubernetes)
    return runKubernetesMode(
      {
        kubeconfig: opts.kubeconfig,
        namespaces: opts.namespace ?? [],
        allNamespaces: Boolean(opts.allNamespaces),
        leaseNamespace: opts.leaseNamespace,
        healthPort: Number(opts.healthPort),
        allowPasswordOnFirstUse: Boolean(opts.allowPasswordOnFirstUse),
        workers,
      },
      rootLogger(),
    );
  if (!opts.file?.length)
    throw new Error("-f/--file is required (or --kubernetes to serve custom resources)");
  return runFileMode(
    {
      manifests: opts.file,
      workspace: opts.workspace,
      stateDir: opts.stateDir,
      workers,
      metricsAddress: opts.metricsAddress === "off" ? undefined : opts.metricsAddress,
      web: opts.web === true ? DEFAULT_WEB_ADDRESS : opts.web || undefined,
    },
    rootLogger(),
  );
}

export async function converge(opts: FileModeOptions, mutate: boolean): Promise<void> {
  const log = rootLogger();
  // On a terminal the progress lines tell the story; info logs would tear through them.
  if (mutate && process.stdout.isTTY && !process.env.LOG_LEVEL) log.level = "warn";
  const outcome = await convergeFileMode(
    {
      manifests: opts.file,
      workspace: opts.workspace,
      stateDir: opts.stateDir,
      workers: parseWorkerLimits(opts.workers),
      mutate,
      timeoutMs: Number(opts.timeout) * 1000,
    },
    log,
    mutate ? (operator) => showProgress(operator.manager, operator.states) : undefined,
  );
  if (outcome.nothingLoaded) {
    for (const line of outcome.sourceErrors) console.error(stripControls(line));
    process.exitCode = 1;
    return;
  }
  if (!mutate) return printPlan(outcome.states);
  for (const line of outcome.sourceErrors) console.error(stripControls(line));
  if (outcome.settled?.ok && outcome.sourceErrors.length === 0) return;
  if (outcome.settled) printNotReady(outcome.settled);
  process.exitCode = 1;
}

/** `labctl apply [--recreate [--dry-run]]`: the seed's `prepare -c` deletes first, then converges. */
export async function applyWithRecreate(
  opts: FileModeOptions & { recreate?: boolean; dryRun?: boolean },
): Promise<void> {
  if (opts.dryRun && !opts.recreate)
    throw new Error("--dry-run goes with --recreate (labctl plan shows the rest)");
  if (opts.recreate && !(await runDelete(opts, quietOnTerminal(rootLogger())))) {
    process.exitCode = 1;
    return;
  }
  if (!opts.dryRun) await converge(opts, true);
}
