import { StringDecoder } from "node:string_decoder";

/** Splits a byte stream into text lines, keeping a partial last line until more arrives. */
export class LineSplitter {
  private rest = "";
  private readonly decoder = new StringDecoder("utf8");

  constructor(private readonly emit: (line: string) => void) {}

  push(chunk: Buffer): void {
    const parts = (this.rest + this.decoder.write(chunk)).split("\n");
    this.rest = parts.pop() ?? "";
    for (const part of parts) this.emit(stripCR(part));
  }

  /** Flush the last line when the stream ends without a newline. */
  end(): void {
    const last = this.rest + this.decoder.end();
    this.rest = "";
    if (last !== "") this.emit(stripCR(last));
  }
}

function stripCR(line: string): string {
  return line.endsWith("\r") ? line.slice(0, -1) : line;
}

/** Keeps the last `size` items pushed (the stderr tail carried by errors). */
export class Tail {
  private readonly items: string[] = [];
  constructor(private readonly size: number) {}
  push(item: string): void {
    this.items.push(item);
    if (this.items.length > this.size) this.items.shift();
  }
  get lines(): string[] {
    return [...this.items];
  }
}
