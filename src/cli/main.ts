import { Command } from "commander";
import { registerVersion } from "./commands/version.js";

/** labctl: each subcommand lives in ./commands and registers itself here. */
const program = new Command("labctl")
  .description("Converge an OpenStack lab's Manager hypervisor to declared state over SSH")
  .showHelpAfterError()
  .enablePositionalOptions();

registerVersion(program);

await program.parseAsync(process.argv);
