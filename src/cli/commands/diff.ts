import type { Command } from "commander";

interface DiffOptions {
  file: string[];
  workspace: string;
  stateDir?: string;
  timeout: string;
  workers: string;
  output: string;
  kubernetes?: boolean;
  kubeconfig?: string;
  context?: string;
}

/**
 * `labctl diff -f DIR`: per object, the spec fields that changed since the last apply and
 * what apply would do on the host (observed read-only, as `labctl plan`), with Flux's exit
 * codes for CI: 0 no changes, 1 changes, 2 an error.
 */
export function registerDiff(program: Command): void {
  program
    .command("diff")
    .description(
      "show per object what changes (spec fields, host steps); exit 0 no changes, 1 changes, 2 error",
    )
    .requiredOption("-f, --file <path...>", "manifest files or directories")
    .option("--workspace <dir>", "workspace directory (keys, passwords, ssh.config)", "workspace")
    .option("--state-dir <dir>", "state directory (default: <workspace>/state)")
    .option("--timeout <seconds>", "give up after this long", "1800")
    .option("--workers <n>", "parallel observes per kind: N, or KIND=N,...", "4")
    .option("-o, --output <format>", "text or json", "text")
    .option("--kubernetes", "also diff the custom resources in the cluster (server-side dry-run apply)")
    .option("--kubeconfig <path>", "with --kubernetes: kubeconfig (default: $KUBECONFIG or ~/.kube/config)")
    .option("--context <name>", "with --kubernetes: the kubeconfig context to use (default: its current one)")
    .action(async (opts: DiffOptions) => {
      try {
        if (opts.output !== "text" && opts.output !== "json")
          throw new Error(`--output: expected text or json, got "${opts.output}"`);
        const { runDiff } = await import("../diff/run.js");
        const report = await runDiff(opts);
        const { formatDiff } = await import("../diff/report.js");
        process.stdout.write(
          opts.output === "json" ? JSON.stringify(report, null, 2) + "\n" : formatDiff(report),
        );
        process.exitCode = report.exitCode;
      } catch (err) {
        console.error(`labctl diff: ${(err as Error).message}`);
        process.exitCode = 2;
      }
    });
}
