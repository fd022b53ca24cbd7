import { readFileCached } from "../util/cached-read.js";

interface TtyInput extends NodeJS.ReadableStream {
  isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
}

/**
 * Ask once for a password on the terminal without echoing it. Refuses when input is not a
 * TTY (a pipe would silently feed something else). Ctrl-C / Ctrl-D abort.
 */
export function promptPassword(
  question: string,
  input: TtyInput = process.stdin,
  output: NodeJS.WritableStream = process.stderr,
): Promise<string> {
  if (!input.isTTY || !input.setRawMode)
    return Promise.reject(new Error("cannot prompt for a password: stdin is not a terminal"));
  const setRaw = (on: boolean) => input.setRawMode?.(on);
  output.write(question);
  setRaw(true);
  input.resume();
  return new Promise((resolve, reject) => {
    let typed = "";
    const finish = (err?: Error) => {
      input.removeListener("data", onData);
      setRaw(false);
      input.pause();
      output.write("\n");
      if (err) reject(err);
      else resolve(typed);
    };
    const onData = (chunk: Buffer | string) => {
      for (const ch of chunk.toString()) {
        if (ch === "\r" || ch === "\n") return finish();
        if (ch === "\u0003" || ch === "\u0004") return finish(new Error("password prompt aborted"));
        if (ch === "\u007f" || ch === "\b") typed = [...typed].slice(0, -1).join("");
        else typed += ch;
      }
    };
    input.on("data", onData);
  });
}

/** A password kept in a file: its first line, without the line ending. */
export async function readPasswordFile(path: string): Promise<string> {
  const text = (await readFileCached(path)).toString("utf8");
  const first = text.split(/\r?\n/)[0] ?? "";
  if (first === "") throw new Error(`password file ${path} is empty`);
  return first;
}
