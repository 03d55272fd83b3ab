import type { Clock } from '@onematter/engine';

/** The wall clock: the only place the adapters read it for the engine. */
export const wallClock: Clock = { now: () => new Date() };

export interface AcceleratedClockOptions {
  /** Simulated seconds per real second: 3600 runs an hour a second. Default 1. */
  speed?: number;
  /** Simulated time at creation (ISO instant); default: the real time then. */
  start?: string | Date;
  /** The real clock underneath (tests pass their own). */
  base?: Clock;
}

/**
 * A clock for demos and restart tests: starts at `start` and runs `speed` times
 * faster than `base`. `--clock-speed 3600` makes a working day pass in 24 s, so a
 * demo shows lights turning yellow and red; `--clock-start` sets the time, so a
 * restart "after the deadline" takes seconds.
 */
export function acceleratedClock(o: AcceleratedClockOptions = {}): Clock & { speed: number } {
  const base = o.base ?? wallClock;
  const speed = o.speed ?? 1;
  if (!(Number.isFinite(speed) && speed > 0)) throw new RangeError(`clock speed must be a positive number, not ${speed}`);
  const real0 = base.now().getTime();
  const sim0 = o.start === undefined ? real0 : new Date(o.start).getTime();
  if (Number.isNaN(sim0)) throw new RangeError(`clock start ${String(o.start)} is not an ISO instant`);
  return { speed, now: () => new Date(sim0 + (base.now().getTime() - real0) * speed) };
}

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  private t: number;

  constructor(start: string | Date) {
    this.t = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.t);
  }

  set(instant: string | Date): void {
    this.t = new Date(instant).getTime();
  }

  advance(ms: number): void {
    this.t += ms;
  }
}
