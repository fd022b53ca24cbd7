import { Command } from "commander";
import { stripControls } from "../util/terminal.js";
import { registerVersion } from "./commands/version.js";
import { registerDev } from "./commands/dev.js";
import { registerValidate } from "./commands/validate.js";
import { registerCrds } from "./commands/crds.js";
import { registerSsh } from "./commands/ssh.js";
import { registerPodman } from "./commands/podman.js";
import { registerFetchResults } from "./commands/fetch-results.js";
import { registerRun } from "./commands/run.js";
import { registerDelete } from "./commands/delete.js";
import { registerGet } from "./commands/get.js";
import { registerDescribe } from "./commands/describe.js";
import { registerGraph } from "./commands/graph.js";
import { registerSandbox } from "./commands/sandbox.js";
import { registerRequests } from "./commands/requests.js";
import { registerCompletion } from "./commands/completion.js";
import { registerDiff } from "./commands/diff.js";
import { kubectlPluginArgv } from "./kubectl-plugin.js";

/** labctl: each subcommand lives in ./commands and registers itself here. */
const program = new Command("labctl")
  .description("Converge an OpenStack lab's Manager hypervisor to declared state over SSH")
  .showHelpAfterError()
  .enablePositionalOptions();

registerVersion(program);
registerDev(program);
registerValidate(program);
registerCrds(program);
registerSsh(program);
registerPodman(program);
registerFetchResults(program);
registerRun(program);
registerDelete(program);
registerGet(program);
registerDescribe(program);
registerGraph(program);
registerSandbox(program);
registerRequests(program);
registerDiff(program);
registerCompletion(program);

/** bin/kubectl-lab.js puts --as-kubectl-plugin first: `kubectl lab VERB ...`. */
function userArgv(): string[] | undefined {
  const words = process.argv.slice(2);
  if (words[0] !== "--as-kubectl-plugin") return words;
  program.name("kubectl lab");
  const mapped = kubectlPluginArgv(words.slice(1));
  if ("argv" in mapped) return mapped.argv;
  (mapped.exitCode === 0 ? process.stdout : process.stderr).write(mapped.usage);
  process.exitCode = mapped.exitCode;
  return undefined;
}

const argv = userArgv();
try {
  if (argv) await program.parseAsync(argv, { from: "user" });
} catch (err) {
  console.error(`${program.name()}: ${stripControls((err as Error).message)}`);
  process.exitCode = 1;
}
