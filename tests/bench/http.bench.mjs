// The HTTP row of the benchmark: imported by the bench harness (tests/bench/run.mjs),
// or run on its own: node tests/bench/http.bench.mjs [--cases 1000] [--in-flight 16,128]
// Runs on the built packages (dist).
//
// A real server (`onematter serve` on SQLite, in-process bus, no simulated departments)
// runs in a child process; this process is the load: a comprehensive window starting
// enterprise-setup cases (POST /cases) and the seven department systems, each polling
// its work queue (GET /cases?department=<id>&taskStatus=pending) and answering its
// tasks (POST /tasks/:taskId/decisions), as a department system does over HTTP. The tax
// system reads the case (GET /cases/:id) for the 统一社会信用代码 market regulation
// registered, as its taxpayer id must be that code.
//
// "In flight" is the number of starts and decisions under way at once (one undici
// connection each); each department's polling runs beside them, one request at a time.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { generateUscc, enterpriseSetupV1 } from '@onematter/workflows';
import { cpuSecondsOfPid } from './procCpu.mjs';

const ROOT = resolve(import.meta.dirname, '../..');
const MATTER = 'enterprise-setup';

const freePort = () =>
  new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });

/** `onematter serve` on a fresh SQLite store; resolves once /health answers. */
async function startServer(dataDir) {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [...(process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? []), join(ROOT, 'bin/onematter.js'), 'serve', '--no-auth', '--store', 'sqlite', '--data-dir', dataDir, '--port', String(port), '--log-level', 'error'],
    { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, ONEMATTER_NO_AUTH: '1' } },
  );
  const exited = new Promise((r) => child.once('exit', r));
  const origin = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode} before answering`);
    try {
      const r = await fetch(`${origin}/api/v1/health`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (i > 600) throw new Error('the server did not answer /health within 60 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    origin,
    pid: child.pid,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

/** One load run against a running server: `cases` cases, `inFlight` starts and decisions at once. */
async function load(origin, { cases, inFlight, serverPid }) {
  const cpu0 = cpuSecondsOfPid(serverPid);
  const pool = new Pool(origin, { connections: inFlight + 8, pipelining: 1 });
  let requests = 0;
  const call = async (method, path, body) => {
    requests++;
    const r = await pool.request({ method, path, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
    const json = await r.body.json();
    if (r.statusCode >= 300) throw new Error(`${method} ${path} answered ${r.statusCode}: ${JSON.stringify(json).slice(0, 400)}`);
    return json;
  };
  const matter = await call('GET', `/api/v1/matters/${MATTER}`);
  const departments = [...new Set(matter.steps.map((s) => s.department))];

  /** Decisions the department systems found and have not sent yet. */
  const queue = [];
  const seen = new Set();
  let wake = () => {};
  const woken = () => new Promise((r) => (wake = r));
  const uscc = new Map();
  const decisionMs = [];
  let started = 0;
  let completed = 0;
  let failure;
  const maxOpen = Math.max(4 * inFlight, 64);

  const outputOf = async (dept, step, caseId) => {
    switch (dept) {
      case 'samr': {
        const code = generateUscc(uscc.size + 1 + Math.floor(Math.random() * 1e8));
        uscc.set(caseId, code);
        return { unifiedSocialCreditCode: code, licenceNumber: `L${code.slice(2, 8)}2026${String(uscc.size).padStart(6, '0')}` };
      }
      case 'tax': {
        const view = await call('GET', `/api/v1/cases/${encodeURIComponent(caseId)}`);
        const code = view.tasks.find((t) => t.department === 'samr')?.output?.unifiedSocialCreditCode;
        return { taxpayerId: code, invoiceQuota: 25 };
      }
      default:
        return structuredClone(matter.steps.find((s) => s.id === step)?.outputExample ?? {});
    }
  };

  const t0 = performance.now();
  const done = () => completed >= cases || failure;

  // The department systems: each polls its own work queue.
  const poller = async (dept) => {
    while (!done()) {
      const page = await call('GET', `/api/v1/cases?department=${dept}&taskStatus=pending&limit=500`);
      let found = 0;
      for (const c of page.items) {
        for (const [step, t] of Object.entries(c.tasks)) {
          const taskId = `${c.id}.${step}`;
          if (t.department !== dept || t.status !== 'pending' || seen.has(taskId)) continue;
          seen.add(taskId);
          queue.push({ dept, step, caseId: c.id, taskId });
          found++;
        }
      }
      if (found) wake();
      else await new Promise((r) => setTimeout(r, 5));
    }
  };

  // The starts and decisions, `inFlight` at a time; answering comes before starting more.
  const worker = async (w) => {
    while (!done()) {
      const job = queue.shift();
      if (job) {
        const body = { decisionId: `d-${job.taskId}`, decision: 'approved', output: await outputOf(job.dept, job.step, job.caseId) };
        const t = performance.now();
        const r = await call('POST', `/api/v1/tasks/${encodeURIComponent(job.taskId)}/decisions`, body);
        decisionMs.push(performance.now() - t);
        if (r.case.status === 'completed' && ++completed >= cases) wake();
      } else if (started < cases && started - completed < maxOpen) {
        started++;
        await call('POST', '/api/v1/cases', { matter: MATTER, applicant: enterpriseSetupV1.exampleApplicant, form: enterpriseSetupV1.example });
      } else {
        await Promise.race([woken(), new Promise((r) => setTimeout(r, 5))]);
      }
    }
  };

  const guard = (p) => p.catch((e) => { failure ??= e; wake(); });
  await Promise.all([...departments.map((d) => guard(poller(d))), ...Array.from({ length: inFlight }, (_, w) => guard(worker(w)))]);
  const seconds = (performance.now() - t0) / 1000;
  // The server's own CPU: on a shared machine a steadier measure than wall time.
  const serverCpu = cpu0 === undefined ? undefined : (cpuSecondsOfPid(serverPid) ?? NaN) - cpu0;
  await pool.close();
  if (failure) throw failure;
  decisionMs.sort((a, b) => a - b);
  return {
    inFlight,
    cases,
    seconds,
    casesPerSec: cases / seconds,
    requests,
    requestsPerSec: requests / seconds,
    decisions: decisionMs.length,
    decisionP50Ms: quantile(decisionMs, 0.5),
    decisionP99Ms: quantile(decisionMs, 0.99),
    ...(serverCpu === undefined ? {} : { serverCpuMsPerCase: (1000 * serverCpu) / cases, serverCpuMsPerRequest: (1000 * serverCpu) / requests }),
  };
}

/** Each in-flight level on its own fresh server and store. */
export async function benchHttp({ cases = 1000, inFlight = [16, 128] } = {}) {
  const runs = [];
  for (const n of inFlight) {
    const dataDir = mkdtempSync(join(tmpdir(), 'onematter-http-bench-'));
    const server = await startServer(dataDir);
    try {
      // A short warm-up (JIT, connections), not counted.
      await load(server.origin, { cases: Math.min(50, cases), inFlight: n, serverPid: server.pid });
      runs.push(await load(server.origin, { cases, inFlight: n, serverPid: server.pid }));
    } finally {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  return { runs };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { cases: { type: 'string', default: '1000' }, 'in-flight': { type: 'string', default: '16,128' } } });
  const r = await benchHttp({ cases: Number(values.cases), inFlight: values['in-flight'].split(',').map(Number) });
  process.stdout.write(JSON.stringify(r, null, 2) + '\n');
}
