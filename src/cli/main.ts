import { Command } from "commander";
import { registerVersion } from "./commands/version.js";
import { registerDev } from "./commands/dev.js";
import { registerValidate } from "./commands/validate.js";
import { registerCrds } from "./commands/crds.js";
import { registerSsh } from "./commands/ssh.js";
import { registerRun } from "./commands/run.js";
import { registerGet } from "./commands/get.js";
import { registerDescribe } from "./commands/describe.js";
import { registerGraph } from "./commands/graph.js";
import { registerSandbox } from "./commands/sandbox.js";

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
registerRun(program);
registerGet(program);
registerDescribe(program);
registerGraph(program);
registerSandbox(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  console.error(`labctl: ${(err as Error).message}`);
  process.exitCode = 1;
}
