import { recordDailyAnchor, type Clock, type EventStore } from '@onematter/engine';
import type { Logger } from 'pino';

export interface AnchorJob {
  /** Runs one check now (the timer calls it too); resolves when it is done. */
  runOnce(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The daily anchor, recorded by the server itself: shortly after start and then
 * every `intervalMs` (default 15 minutes) it anchors the last day that ended, unless
 * that is done (by this process, another one, or `onematter audit anchor`). A server
 * that was down for days anchors only the last one: its root covers everything
 * before it. Nothing is kept in memory, so a restart changes nothing. The root is
 * logged, for whoever publishes it outside the system.
 */
export function startAnchorJob(o: { store: EventStore; clock: Clock; log: Logger; intervalMs?: number; firstDelayMs?: number }): AnchorJob {
  let running: Promise<void> | undefined;
  let stopped = false;
  const runOnce = (): Promise<void> => {
    running ??= (async () => {
      try {
        const r = await recordDailyAnchor(o.store, { now: o.clock.now() });
        if (r.kind === 'recorded') {
          o.log.info({ day: r.anchor.day, root: r.anchor.root, streams: r.anchor.streams, events: r.anchor.events }, 'daily anchor recorded: publish this root');
        } else if (r.kind === 'inconsistent') {
          o.log.error(
            { day: r.day, lost: r.lost.slice(0, 20).map((h) => `${h.stream}@${h.position}`), count: r.lost.length },
            'daily anchor refused: the store lost events an earlier anchor recorded; run "onematter audit verify --all"',
          );
        }
      } catch (error) {
        o.log.warn({ err: error }, 'daily anchor failed; will try again');
      }
    })().finally(() => {
      running = undefined;
    });
    return running;
  };
  const first = setTimeout(() => void (stopped || runOnce()), o.firstDelayMs ?? 5_000);
  const timer = setInterval(() => void (stopped || runOnce()), o.intervalMs ?? 15 * 60_000);
  first.unref();
  timer.unref();
  return {
    runOnce,
    stop: async () => {
      stopped = true;
      clearTimeout(first);
      clearInterval(timer);
      await running;
    },
  };
}
