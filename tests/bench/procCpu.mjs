// CPU seconds used so far by the other processes a bench row depends on (the PostgreSQL
// server, the Kafka broker), read from /proc: on a shared 2-core machine they compete with
// the engine for the same cores, so their CPU per case is part of the cost. Linux only;
// elsewhere returns undefined.
import { readdirSync, readFileSync } from 'node:fs';

const TICKS = 100; // USER_HZ on Linux

/** user + system CPU ticks of one process (throws if it is gone), and its command name. */
function ticksOf(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { name, ticks: Number(fields[11]) + Number(fields[12]) }; // utime, stime
}

/** Sum of user + system CPU seconds of the processes whose command name matches `comm`. */
export function cpuSecondsOf(comm) {
  let ticks = 0;
  try {
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        const t = ticksOf(pid);
        if (comm.test(t.name)) ticks += t.ticks;
      } catch {
        // the process ended meanwhile
      }
    }
  } catch {
    return undefined;
  }
  return ticks / TICKS;
}

/** User + system CPU seconds of the process `pid` so far (a bench's server child); undefined if unreadable. */
export function cpuSecondsOfPid(pid) {
  try {
    return ticksOf(pid).ticks / TICKS;
  } catch {
    return undefined;
  }
}
