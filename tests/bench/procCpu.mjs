// CPU seconds used so far by the other processes a bench row depends on (the PostgreSQL
// server, the Kafka broker), read from /proc: on a shared 2-core machine they compete with
// the engine for the same cores, so their CPU per case is part of the cost. Linux only;
// elsewhere returns undefined.
import { readdirSync, readFileSync } from 'node:fs';

const TICKS = 100; // USER_HZ on Linux

/** Sum of user + system CPU seconds of the processes whose command name matches `comm`. */
export function cpuSecondsOf(comm) {
  let ticks = 0;
  try {
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        if (!comm.test(name)) continue;
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
      } catch {
        // the process ended meanwhile
      }
    }
  } catch {
    return undefined;
  }
  return ticks / TICKS;
}
