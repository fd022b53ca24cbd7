/**
 * labctl with only the ssh shortcut commands registered, so their e2e test does not depend
 * on every other command's imports loading (the full CLI is exercised by its own tests).
 */
import { Command } from "commander";
import { registerSsh } from "../../../src/cli/commands/ssh.js";
import { registerPodman } from "../../../src/cli/commands/podman.js";
import { registerFetchResults } from "../../../src/cli/commands/fetch-results.js";

const program = new Command("labctl").enablePositionalOptions();
registerSsh(program);
registerPodman(program);
registerFetchResults(program);
await program.parseAsync(process.argv);
