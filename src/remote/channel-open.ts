import type { Live } from "./connection.js";

/**
 * Run `hook` once when the session is lost (soon, if it is already); returns the unsubscribe.
 * A lost session may never close its channels: a jumped one whose gateway passed on the
 * VM's FIN ends without a close, so waiting only for a channel's 'close' can wait forever.
 */
export function whenLost(live: Live, hook: () => void): () => void {
  if (live.lost) {
    queueMicrotask(hook);
    return () => undefined;
  }
  live.lostHooks.add(hook);
  return () => live.lostHooks.delete(hook);
}

export type OpenCallback<C> = (err: Error | undefined, channel: C) => void;

/**
 * Wait for the answer to a channel open (`attach` runs in its callback), at most until
 * `deadlineAt` and no longer than the session lives: a peer on a dead path never answers,
 * and ssh2 gives up only when the session closes. A channel confirmed too late is closed.
 * Errors are the caller's to classify (Connection.lostOr: Unreachable).
 */
export function openBounded<C extends { close(): void }, T>(
  live: Live,
  deadlineAt: number,
  open: (callback: OpenCallback<C>) => void,
  attach: (channel: C) => T,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const settle = (outcome: () => void): boolean => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      unwatch();
      outcome();
      return true;
    };
    const waitMs = Math.max(0, deadlineAt - Date.now());
    const timer = setTimeout(() => {
      const err = new Error(`no answer to a channel open within ${Math.ceil(waitMs / 1000)} s`);
      settle(() => reject(err));
    }, waitMs);
    const unwatch = whenLost(live, () => settle(() => reject(live.lost)));
    try {
      open((err, channel) => {
        const answered = settle(() => (err ? reject(err) : resolve(attach(channel))));
        if (!answered && !err) channel.close();
      });
    } catch (err) {
      settle(() => reject(err as Error));
    }
  });
}
