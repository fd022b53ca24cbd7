import type { LabObject, ObjectKey, Origin } from "../api/index.js";

export type { Origin };

/** What a source tells the runtime; the runtime turns each into queued keys. */
export interface SourceHandler {
  /** A valid desired object (new or changed). */
  upsert(object: LabObject, origin: Origin): void;
  /** These objects' latest input is invalid: keep their last good spec, report why. */
  invalid(key: ObjectKey, errors: string[], origin: Origin): void;
  /** The object is no longer desired: clean up what it created, then forget it. */
  remove(key: ObjectKey): void;
  /** Every current input error, as printable lines (the latest load replaces the previous). */
  sourceErrors(errors: string[]): void;
  /** The initial listing is complete. */
  synced(): void;
}

export interface Source {
  readonly name: string;
  start(handler: SourceHandler): Promise<void>;
  stop(): Promise<void>;
}
