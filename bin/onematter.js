#!/usr/bin/env node
// The `onematter` command: a thin launcher for the CLI in @onematter/api (built to dist by `npm run build`).
import { main } from '@onematter/api';

const code = await main(process.argv.slice(2));
// Long-running commands (serve, demo) never resolve; the rest exit with their code.
process.exitCode = code;
