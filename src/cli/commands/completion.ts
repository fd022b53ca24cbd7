import type { Command } from "commander";
import { completionScript, SHELLS, type Shell } from "../completion/scripts.js";

/**
 * `labctl completion bash|zsh|fish` prints the shell's completion script; the script calls
 * the hidden `labctl __complete -- WORDS...`, which prints the completions of the last word.
 */
export function registerCompletion(program: Command): void {
  program
    .command("completion")
    .description(
      "print the shell completion script: source <(labctl completion bash), zsh alike; fish: | source",
    )
    .argument("<shell>", SHELLS.join(" | "))
    .action((shell: string) => {
      if (!(SHELLS as readonly string[]).includes(shell))
        throw new Error(`unknown shell "${shell}": expected one of ${SHELLS.join(", ")}`);
      process.stdout.write(completionScript(shell as Shell));
    });
  program
    .command("__complete", { hidden: true })
    .description("print the completions of the last word (used by the completion scripts)")
    .argument("[words...]")
    .allowUnknownOption()
    .passThroughOptions()
    .helpOption(false)
    .action(async (words: string[]) => {
      const [{ complete }, { completionSources }] = await Promise.all([
        import("../completion/complete.js"),
        import("../completion/sources.js"),
      ]);
      const out = await complete(program, words.length ? words : [""], completionSources);
      if (out.length) process.stdout.write(out.join("\n") + "\n");
    });
  program
    .command("__complete-kubectl", { hidden: true })
    .description("completions for `kubectl lab` (bin/kubectl_complete-lab.js), in cobra's format")
    .argument("[words...]")
    .allowUnknownOption()
    .passThroughOptions()
    .helpOption(false)
    .action(async (words: string[]) => {
      const [{ complete, FILES }, { completionSources }, { kubectlCompletionWords }] = await Promise.all([
        import("../completion/complete.js"),
        import("../completion/sources.js"),
        import("../kubectl-plugin.js"),
      ]);
      const mapped = kubectlCompletionWords(words.length ? words : [""]);
      const out = "verbs" in mapped ? mapped.verbs : await complete(program, mapped.words, completionSources);
      // cobra's directives: 0 lets the shell complete file names, 4 (NoFileComp) does not.
      const files = out.length === 1 && out[0] === FILES;
      process.stdout.write([...(files ? [] : out), files ? ":0" : ":4"].join("\n") + "\n");
    });
}
