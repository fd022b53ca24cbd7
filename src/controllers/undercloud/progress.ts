import { setAspect } from "../report.js";
import type { ObjectState } from "../state.js";

/** Where progress goes: the object's state, saved now and then so `labctl describe` follows. */
export interface ProgressSink {
  state: ObjectState;
  checkpoint(): Promise<void>;
}

/** Lines of guest output kept for the Progressing message and a failure's message. */
const KEEP_LINES = 5;
/** How often streamed progress is saved to the state file (describe reads it). */
const SAVE_EVERY_MS = 2_000;

/**
 * The `Progressing` condition of a guest run: phase, elapsed time, the step and the last
 * lines of its output, saved at most every two seconds so `labctl describe` follows along.
 */
export class GuestProgress {
  private lines: string[] = [];
  private phase = "";
  private step = "";
  private phaseStarted = Date.now();
  private lastSave = 0;
  private saving: Promise<void> = Promise.resolve();

  constructor(private readonly ctx: ProgressSink) {}

  startPhase(phase: string): void {
    this.phase = phase;
    this.phaseStarted = Date.now();
    this.lines = [];
    this.publish(true);
  }

  startStep(description: string): void {
    this.step = description;
    this.publish(true);
  }

  line(text: string): void {
    const trimmed = text.trimEnd();
    if (trimmed === "") return;
    this.lines = [...this.lines, trimmed].slice(-KEEP_LINES);
    this.publish(false);
  }

  /** The last lines seen, oldest first. */
  tail(): string[] {
    return [...this.lines];
  }

  describe(): string {
    const elapsed = Math.round((Date.now() - this.phaseStarted) / 1000);
    const tail = this.lines.length ? `; last output: ${this.lines.join(" | ")}` : "";
    return `phase ${this.phase}, ${elapsed} s: ${this.step}${tail}`;
  }

  done(message: string): void {
    setAspect(this.ctx.state, "Progressing", false, "Idle", message);
  }

  failed(message: string): void {
    setAspect(this.ctx.state, "Progressing", false, "GuestStepFailed", message);
  }

  /**
   * Resolves once the last save has been written. Await it before the step runner saves
   * again: two saves of one state file at once would race on its temporary file.
   */
  flush(): Promise<void> {
    return this.saving;
  }

  private publish(force: boolean): void {
    setAspect(this.ctx.state, "Progressing", true, "GuestPhaseRunning", this.describe());
    if (!force && Date.now() - this.lastSave < SAVE_EVERY_MS) return;
    this.lastSave = Date.now();
    this.saving = this.saving.then(() => this.ctx.checkpoint()).catch(() => undefined);
  }
}
