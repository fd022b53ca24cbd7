import type { Command } from "commander";
import type { ObjectKey } from "../../api/index.js";
import type { ObjectState } from "../../controllers/state.js";
import { stateDirOf } from "../../modes/file/state-dir.js";
import { stripControls } from "../../util/terminal.js";
import { parseKind } from "./get.js";

interface RequestOptions {
  namespace: string;
  workspace: string;
  stateDir?: string;
  kubernetes?: boolean;
  kubeconfig?: string;
  context?: string;
}

/** `labctl suspend|resume|reconcile KIND/NAME`: what Flux's `flux suspend|resume|reconcile` do. */
export function registerRequests(program: Command): void {
  for (const [name, suspend] of [
    ["suspend", true],
    ["resume", false],
  ] as const) {
    withTarget(program.command(name))
      .description(
        suspend
          ? "stop reconciling an object (drift repair included) until resumed"
          : "reconcile a suspended object again",
      )
      .action(async (ref: string, opts: RequestOptions) => {
        await (await requestsFor(opts)).suspend(keyOf(ref, opts), suspend);
        console.log(`${ref} ${suspend ? "suspended" : "resumed"}`);
      });
  }
  withTarget(program.command("reconcile"))
    .description("reconcile an object now instead of at its next resync")
    .option("--wait", "wait until the request was handled and the object settled")
    .option("--timeout <seconds>", "with --wait: give up after this long", "600")
    .action(async (ref: string, opts: RequestOptions & { wait?: boolean; timeout: string }) => {
      const requests = await requestsFor(opts);
      const key = keyOf(ref, opts);
      const at = await requests.reconcile(key);
      console.log(`${ref}: reconcile requested at ${at}`);
      if (!opts.wait) return;
      const state = await waitHandled(() => requests.state(key), at, Number(opts.timeout) * 1000);
      const { getCondition } = await import("../../machines/conditions.js");
      const ready = getCondition(state.status.conditions, "Ready");
      const suspended = getCondition(state.status.conditions, "Suspended");
      if (suspended?.status === "True") console.log(stripControls(`${ref}: Suspended: ${suspended.message}`));
      console.log(
        stripControls(
          `${ref}: Ready=${ready?.status ?? "Unknown"} ${ready?.reason ?? ""}: ${ready?.message ?? ""}`,
        ),
      );
      if (ready?.status !== "True") process.exitCode = 1;
    });
}

function withTarget(cmd: Command): Command {
  return cmd
    .argument("<object>", "Kind/name, e.g. LabManager/lab")
    .option("-n, --namespace <ns>", "namespace", "default")
    .option("--workspace <dir>", "workspace directory (file mode)", "workspace")
    .option("--state-dir <dir>", "state directory (default: <workspace>/state)")
    .option("--kubernetes", "patch the custom resource in the cluster instead")
    .option("--kubeconfig <path>", "with --kubernetes: kubeconfig")
    .option(
      "--context <name>",
      "with --kubernetes: the kubeconfig context to use (default: its current one)",
    );
}

function keyOf(ref: string, opts: RequestOptions): ObjectKey {
  const [kindText, name] = ref.split("/");
  if (!kindText || !name) throw new Error(`expected Kind/name, got "${ref}"`);
  return { kind: parseKind(kindText), namespace: opts.namespace, name };
}

async function requestsFor(opts: RequestOptions) {
  if (!opts.kubernetes) {
    const { fileRequests } = await import("../../modes/file/requests.js");
    return fileRequests(stateDirOf(opts));
  }
  const { kubernetesRequests } = await import("../../modes/kubernetes/requests.js");
  return kubernetesRequests(opts);
}

/** Poll until a reconcile echoed the request and the object settled (Ready, Stalled or Suspended). */
async function waitHandled(
  read: () => Promise<ObjectState | undefined>,
  at: string,
  timeoutMs: number,
): Promise<ObjectState> {
  const { isSettled } = await import("../../runtime/settle.js");
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await read();
    if (state && state.status.lastHandledReconcileAt === at && isSettled(state)) return state;
    if (Date.now() > deadline)
      throw new Error(
        `the request was not handled within ${timeoutMs / 1000} s: is labctl run (or the operator) running?`,
      );
    await new Promise((r) => setTimeout(r, 250));
  }
}
