#!/usr/bin/env node
// The `onematter` command: a thin launcher for the CLI in @onematter/api (built to dist by `npm run build`).
import { main } from '@onematter/api';

// A reader that goes away (`onematter audit timeline X | head`) ends the output, not the
// command: no stack trace, and the exit code is still the command's (a failed check stays 1).
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code !== 'EPIPE') throw error;
  });
}

const code = await main(process.argv.slice(2));
// Long-running commands (serve, demo) never resolve; the rest exit with their code.
process.exitCode = code;
