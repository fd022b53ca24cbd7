import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/** Median and spread of repeated measurements, as every benchmark reports them. */
export interface Summary {
  n: number;
  median: number;
  p90: number;
  min: number;
  max: number;
}

export function summarize(samples: number[]): Summary {
  if (samples.length === 0) throw new Error("no samples");
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * (s.length - 1) + 0.5))]!;
  return { n: s.length, median: at(0.5), p90: at(0.9), min: s[0]!, max: s[s.length - 1]! };
}

export const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

/** heapUsed after a full collection (gc exposed at run time: the benchmarks run in-process). */
export function liveHeapMiB(): number {
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
  return process.memoryUsage().heapUsed / 2 ** 20;
}
