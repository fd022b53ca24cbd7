/**
 * A Manager replayed from a recording, for running observe scripts here without libvirt:
 * stand-ins for virsh and iptables on PATH answer each command with what the real ones
 * printed on a sandbox Manager (Debian 12, libvirt 9.0), recorded while the observe scripts
 * of before the batching ran there (network/ and undercloud/fixtures/observe-sandbox.json). The
 * stand-in virsh takes one command as arguments or a batch as one string, split the way
 * virsh's own parser does (quotes, backslashes, ";"); `echo` prints its words with no
 * newline, as virsh 9.0 does, or with one when ECHO_NEWLINE is set (other versions).
 * A command the recording lacks fails, as one about a missing object does.
 */
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** One command a tool ran on the sandbox Manager and what it printed. */
export interface RecordedCall {
  tool: "virsh" | "iptables";
  argv: string[];
  stdout: string;
  rc: number;
}

/** One observe of the sandbox Manager in one state: the arguments, the JSON, the calls. */
export interface RecordedObserve {
  label: string;
  args: string[];
  rc: number;
  stdout: string;
  recording: RecordedCall[];
}

const FAKE = String.raw`
const { readFileSync } = require("node:fs");
const { basename } = require("node:path");
const tool = basename(process.argv[1]);
const calls = JSON.parse(readFileSync(process.env.RECORDING, "utf8")).filter((c) => c.tool === tool);
const find = (argv) => calls.find((c) => JSON.stringify(c.argv) === JSON.stringify(argv));
if (tool === "iptables") {
  const call = find(process.argv.slice(2));
  if (!call) process.exit(1);
  process.stdout.write(call.stdout);
  process.exit(call.rc);
}
let args = process.argv.slice(2);
const prefix = [];
while (args[0] === "-q" || args[0] === "-c") prefix.push(...args.splice(0, args[0] === "-c" ? 2 : 1));
if (process.env.LIBVIRT_DOWN) {
  process.stderr.write("error: failed to connect to the hypervisor\n");
  process.exit(1);
}
/** virsh's command-string parser: "..." (backslash escapes), '...', \x, ";" between commands. */
function parse(text) {
  const cmds = [[]];
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === " " || ch === "\t") { i++; continue; }
    if (ch === ";" || ch === "\n") { cmds.push([]); i++; continue; }
    let tok = "", dq = false, sq = false;
    while (i < text.length) {
      const c = text[i];
      if (!dq && !sq && (c === " " || c === "\t" || c === ";" || c === "\n")) break;
      if (!dq && c === "'") { sq = !sq; i++; continue; }
      if (!sq && c === "\\") { tok += text[i + 1]; i += 2; continue; }
      if (!sq && c === '"') { dq = !dq; i++; continue; }
      tok += c; i++;
    }
    cmds[cmds.length - 1].push(tok);
  }
  return cmds.filter((c) => c.length > 0);
}
const commands = args.length === 1 ? parse(args[0]) : [args];
let rc = 0;
for (const cmd of commands) {
  if (cmd[0] === "echo") { process.stdout.write(cmd.slice(1).join(" ") + (process.env.ECHO_NEWLINE ? "\n" : "")); rc = 0; continue; }
  const call = find([...prefix, ...cmd]);
  if (call && call.rc === 0) { process.stdout.write(call.stdout); rc = 0; }
  else { process.stderr.write("error: " + cmd.join(" ") + " failed\n"); rc = 1; }
}
process.exit(rc);
`;

/** Writes the stand-ins into DIR/bin and the recording beside them; returns the env to use. */
export async function recordedManager(
  dir: string,
  recording: RecordedCall[],
): Promise<{ PATH: string; RECORDING: string }> {
  const bin = join(dir, "bin");
  await mkdir(bin, { recursive: true });
  await writeFile(join(dir, "recording.json"), JSON.stringify(recording));
  for (const tool of ["virsh", "iptables"]) {
    await writeFile(join(bin, tool), `#!${process.execPath}\n${FAKE}`);
    await chmod(join(bin, tool), 0o755);
  }
  return { PATH: `${bin}:${process.env.PATH ?? ""}`, RECORDING: join(dir, "recording.json") };
}
