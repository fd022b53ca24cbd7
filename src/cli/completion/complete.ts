import type { Command, Option } from "commander";
import { KINDS } from "../../api/names.js";

/**
 * Shell completion: what may come at the cursor, given the words typed so far. The shells'
 * scripts (./scripts.ts) call `labctl __complete -- WORD...` (the last word is the one being
 * completed, maybe empty) and offer the lines printed. FILES as the only line asks the shell
 * for its own file name completion.
 */
export const FILES = ":files";

/** What completion may read: the objects and names the operator knows. */
export interface CompletionSources {
  /** Kind/name of every object (state directory, manifests or cluster, per the words' flags). */
  objects(flags: ParsedFlags): Promise<Array<{ kind: string; namespace: string; name: string }>>;
  /** ssh.config aliases of the workspace. */
  sshAliases(flags: ParsedFlags): Promise<string[]>;
}

/** The flags typed so far, by long name without dashes (last value wins; variadic joined). */
export type ParsedFlags = Record<string, string[] | true>;

const FILE_OPTIONS = new Set(["file", "filename", "workspace", "state-dir", "kubeconfig", "dir"]);

/** Values of an option, when we know them: choices, or per command. */
const OPTION_VALUES: Record<string, Record<string, string[]>> = {
  output: { get: ["table", "json"], graph: ["dot", "json"], diff: ["text", "json"] },
  variant: { up: ["bare", "prebaked", "el"] },
};

/** Values of a positional argument, by its name. */
const ARGUMENT_VALUES: Record<string, string[]> = {
  shell: ["bash", "zsh", "fish"],
  action: ["up", "down", "restart"],
};

interface Walk {
  command: Command;
  flags: ParsedFlags;
  /** Positional words given to the command so far. */
  positionals: string[];
  /** The option whose value is at the cursor, if any. */
  pendingValue?: Option;
}

function visible(cmd: Command): Command[] {
  return cmd.commands.filter((c) => !(c as unknown as { _hidden: boolean })._hidden && c.name() !== "help");
}

function optionFor(cmd: Command, word: string): Option | undefined {
  for (let c: Command | null = cmd; c; c = c.parent)
    for (const o of c.options) if (o.long === word || o.short === word) return o;
  return undefined;
}

function longName(o: Option): string {
  return (o.long ?? o.short ?? "").replace(/^-+/, "");
}

/** Follow the words before the cursor: subcommands, options and their values, positionals. */
function walk(program: Command, before: readonly string[]): Walk {
  const w: Walk = { command: program, flags: {}, positionals: [] };
  let variadic: Option | undefined;
  for (let i = 0; i < before.length; i++) {
    const word = before[i]!;
    if (word === "--") continue;
    if (word.startsWith("-") && word.length > 1) {
      variadic = undefined;
      const [flag, inline] = word.includes("=")
        ? [word.slice(0, word.indexOf("=")), word.slice(word.indexOf("=") + 1)]
        : [word];
      const o = optionFor(w.command, flag!);
      if (!o) continue;
      const name = longName(o);
      if (!o.required && !o.optional) {
        w.flags[name] = true;
        continue;
      }
      if (inline !== undefined) {
        w.flags[name] = [inline];
        continue;
      }
      if (i + 1 >= before.length) {
        w.pendingValue = o;
        continue;
      }
      w.flags[name] = [before[++i]!];
      if (o.variadic) variadic = o;
      continue;
    }
    if (variadic) {
      (w.flags[longName(variadic)] as string[]).push(word);
      continue;
    }
    const sub =
      w.positionals.length === 0
        ? visible(w.command).find((c) => c.name() === word || c.aliases().includes(word))
        : undefined;
    if (sub) {
      w.command = sub;
      continue;
    }
    w.positionals.push(word);
  }
  // A variadic option still open takes more values at the cursor (e.g. -f a.yaml b<TAB>).
  if (!w.pendingValue && variadic && before.length && !before[before.length - 1]!.startsWith("-"))
    w.pendingValue = variadic;
  return w;
}

function optionWords(cmd: Command): string[] {
  const words = ["--help"];
  for (const o of cmd.options) {
    if (o.hidden) continue;
    if (o.long) words.push(o.long);
    if (o.short) words.push(o.short);
  }
  return words;
}

async function argumentValues(w: Walk, sources: CompletionSources, current: string): Promise<string[]> {
  const args = w.command.registeredArguments;
  const arg = args[Math.min(w.positionals.length, args.length - 1)];
  if (!arg || (w.positionals.length >= args.length && !arg.variadic)) return [];
  const name = arg.name();
  if (arg.argChoices) return arg.argChoices;
  if (ARGUMENT_VALUES[name]) return ARGUMENT_VALUES[name];
  if (name === "kind") return [...KINDS];
  if (name === "object") {
    const objects = await sources.objects(w.flags);
    const ns = w.flags.namespace;
    const inNs = objects.filter((o) => !Array.isArray(ns) || o.namespace === ns[0]);
    const refs = [...new Set(inNs.map((o) => `${o.kind}/${o.name}`))];
    // Before the slash: the kinds too, so KIND/ completes even with no saved object yet.
    return current.includes("/") ? refs : [...KINDS.map((k) => `${k}/`), ...refs];
  }
  if (name === "host" || name === "aliases") return sources.sshAliases(w.flags);
  return [];
}

/** The completions of the last word, given every word after `labctl`. */
export async function complete(
  program: Command,
  words: readonly string[],
  sources: CompletionSources,
): Promise<string[]> {
  const current = words.length ? words[words.length - 1]! : "";
  const w = walk(program, words.slice(0, -1));
  let candidates: string[];
  if (w.pendingValue) {
    const name = longName(w.pendingValue);
    if (FILE_OPTIONS.has(name)) return [FILES];
    if (name === "namespace")
      candidates = [...new Set((await sources.objects(w.flags)).map((o) => o.namespace))];
    else candidates = w.pendingValue.argChoices ?? OPTION_VALUES[name]?.[w.command.name()] ?? [];
  } else if (current.startsWith("-")) {
    candidates = optionWords(w.command);
  } else {
    const subs = w.positionals.length === 0 ? visible(w.command).map((c) => c.name()) : [];
    candidates = subs.length ? subs : await argumentValues(w, sources, current);
  }
  return [...new Set(candidates)].filter((c) => c.startsWith(current)).sort();
}
