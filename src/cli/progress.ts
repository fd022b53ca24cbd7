import { keyString, type ObjectKey } from "../api/index.js";
import type { ControllerManager } from "../runtime/manager.js";
import type { StepEvent } from "../controllers/contract.js";
import type { StateStore, StepRecord } from "../controllers/state.js";
import { oneLine } from "../util/terminal.js";

/** The step an object is running now, for the progress display. */
export interface ActiveStep {
  object: string;
  description: string;
  startedAt: number;
  /** How long the same step took last time it succeeded, when known. */
  previousMs?: number;
}

const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const REDRAW_MS = 120;

/** "4s", "2m05s", "1h03m". */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/** The live line of one object: spinner, object, step, elapsed and, from the last run, what is left. */
export function progressLine(a: ActiveStep, now: number, frame: number, width: number): string {
  const elapsed = now - a.startedAt;
  let eta = "";
  if (a.previousMs !== undefined)
    eta =
      elapsed < a.previousMs
        ? `, about ${formatDuration(a.previousMs - elapsed)} left`
        : ", longer than last time";
  const line = `${SPINNER[frame % SPINNER.length]} ${a.object}  ${a.description}  ${formatDuration(elapsed)}${eta}`;
  return line.length > width ? `${line.slice(0, Math.max(0, width - 1))}…` : line;
}

/** The permanent line printed when a step ends. */
export function finishedLine(object: string, event: StepEvent, elapsedMs: number): string {
  const mark = event.result === "done" ? "✓" : "✗";
  const drift = event.drift ? ` (drift: ${event.drift})` : "";
  const failed = event.result === "failed" ? ` failed${event.reason ? `: ${event.reason}` : ""}` : "";
  return oneLine(`${mark} ${object}  ${event.description}${drift}  ${formatDuration(elapsedMs)}${failed}`);
}

/** The duration of the last successful run of a step, from saved state. */
export function previousDuration(steps: StepRecord[], stepId: string): number | undefined {
  for (let i = steps.length - 1; i >= 0; i--) {
    const s = steps[i]!;
    if (s.step === stepId && s.result === "done" && s.durationMs !== undefined) return s.durationMs;
  }
  return undefined;
}

/**
 * Show each object's current step while `labctl apply` runs: a redrawn spinner block on a
 * TTY, plain start/finish lines otherwise. Reads the previous durations (for an ETA) from
 * the saved state before the step's own record replaces them.
 */
export function showProgress(
  manager: ControllerManager,
  states: StateStore,
  out: NodeJS.WriteStream = process.stdout,
): { stop(): void } {
  const active = new Map<string, ActiveStep>();
  const tty = Boolean(out.isTTY);
  let drawn = 0;
  let frame = 0;
  const clear = () => {
    if (tty && drawn > 0) out.write(`\x1b[${drawn}A\x1b[J`);
    drawn = 0;
  };
  const draw = () => {
    clear();
    const now = Date.now();
    const lines = [...active.values()].map((a) => progressLine(a, now, frame, (out.columns ?? 100) - 1));
    if (lines.length) out.write(lines.join("\n") + "\n");
    drawn = lines.length;
    frame += 1;
  };
  const timer = tty ? setInterval(draw, REDRAW_MS) : undefined;
  manager.onStep((kind, event, key) => onStep(kind, event, key));

  function onStep(kind: string, event: StepEvent, key: ObjectKey): void {
    const id = keyString(key);
    const object = `${kind}/${key.name}`;
    if (event.result === "started") {
      const entry: ActiveStep = { object, description: event.description, startedAt: Date.now() };
      active.set(id, entry);
      if (!tty) out.write(`${oneLine(`… ${object}  ${event.description}`)}\n`);
      void states
        .load(key.kind, key.namespace, key.name)
        .then((s) => (entry.previousMs = s ? previousDuration(s.steps, event.step) : undefined))
        .catch(() => undefined);
      return;
    }
    const entry = active.get(id);
    active.delete(id);
    clear();
    out.write(
      finishedLine(object, event, event.durationMs ?? Date.now() - (entry?.startedAt ?? Date.now())) + "\n",
    );
    if (tty) draw();
  }

  return {
    stop() {
      if (timer) clearInterval(timer);
      clear();
    },
  };
}
