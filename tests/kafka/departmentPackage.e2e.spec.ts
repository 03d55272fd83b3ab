import { KafkaBus, startSimulatedDepartments } from '@onematter/adapters';
import { defaultCatalogue, enterpriseSetupV1 } from '@onematter/workflows';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { ROOT } from '../support/server.js';
import { BROKERS, caseState, eventually, freshTopics, kafkaDescribe, startEngine, startEnterpriseSetup, type Engine } from './support.js';

const PACKAGE = join(ROOT, 'packages/department');

function npm(args: string[], cwd: string): string {
  const r = spawnSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, encoding: 'utf8', timeout: 240_000 });
  if (r.status !== 0) throw new Error(`npm ${args.join(' ')} (in ${cwd}) failed: ${r.stderr || r.stdout}`);
  return r.stdout;
}

/**
 * A department team's view of the SDK: `npm pack` of packages/department (as it would be
 * published), installed from the tarball into an empty folder, and the README's
 * department run from there with plain node, against the real broker and an engine on
 * the Kafka bus.
 */
kafkaDescribe('the department SDK as a department installs it', () => {
  const { prefix, topics } = freshTopics();
  const work = mkdtempSync(join(tmpdir(), 'onematter-department-pack-'));
  let engine: Engine | undefined;
  let others: { close(): Promise<void> } | undefined;
  let child: ChildProcess | undefined;
  afterAll(async () => {
    child?.kill('SIGKILL');
    await others?.close();
    await engine?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('packs, installs into an empty folder with only kafkajs and zod, and the README department answers its task', async () => {
    if (!existsSync(join(PACKAGE, 'dist/index.js'))) throw new Error('packages/department is not built: run npm run build');
    // The tarball a registry would get.
    const packed = JSON.parse(npm(['pack', '--json', '--pack-destination', work], PACKAGE)) as { filename: string; files: { path: string }[] }[];
    const tarball = join(work, packed[0]!.filename);
    expect(packed[0]!.files.map((f) => f.path)).toEqual(expect.arrayContaining(['README.md', 'package.json', 'dist/index.js', 'dist/index.d.ts']));

    // An empty project that installs it (from the npm cache where it can; the registry otherwise).
    const app = join(work, 'app');
    spawnSync('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'tax-department', private: true, type: 'module' }));
    npm(['install', tarball, '--prefer-offline'], app);
    const installed = JSON.parse(readFileSync(join(app, 'node_modules/@onematter/department/package.json'), 'utf8')) as { private?: boolean; dependencies: Record<string, string> };
    expect(installed.private).toBeUndefined();
    expect(Object.keys(installed.dependencies).sort()).toEqual(['kafkajs', 'zod']);
    expect(readdirSync(join(app, 'node_modules/@onematter'))).toEqual(['department']);

    // The README's complete department, word for word.
    const readme = readFileSync(join(PACKAGE, 'README.md'), 'utf8');
    const example = /```js\n([\s\S]*?)```/.exec(readme)?.[1];
    if (!example) throw new Error('packages/department/README.md has no js example');
    expect(example.trim().split('\n').length).toBeLessThan(30);
    writeFileSync(join(app, 'tax.mjs'), example);

    engine = await startEngine(topics);
    // The case's other departments, simulated; tax is the installed SDK's.
    const bus = new KafkaBus({ brokers: BROKERS, topics, clientId: 'others', logLevel: 'nothing' });
    const simulated = await startSimulatedDepartments({
      bus,
      topics,
      catalogue: defaultCatalogue(),
      departments: enterpriseSetupV1.steps.map((s) => s.department).filter((d) => d !== 'tax'),
    });
    others = { close: async () => { await simulated.close(); await bus.close(); } };

    let output = '';
    child = spawn(process.execPath, ['tax.mjs'], {
      cwd: app,
      env: { ...process.env, ONEMATTER_KAFKA_BROKERS: BROKERS.join(','), ONEMATTER_TOPIC_PREFIX: prefix, KAFKAJS_NO_PARTITIONER_WARNING: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    await eventually(async () => output.includes('tax: taking tasks') || undefined, 60_000, `the department to start (output: ${output})`);

    const caseId = await startEnterpriseSetup(engine.runtime);
    const tax = await eventually(async () => {
      const t = Object.values((await caseState(engine!.runtime, caseId)).tasks).find((task) => task.step === 'tax');
      return t?.status === 'approved' ? t : undefined;
    }, 60_000, 'the tax task to be approved by the installed department');
    const samr = Object.values((await caseState(engine.runtime, caseId)).tasks).find((task) => task.step === 'samr')!;
    // The README department's answer: samr's credit code as the taxpayer id.
    expect(tax.output).toEqual({ taxpayerId: samr.output!.unifiedSocialCreditCode, invoiceQuota: 25 });
    const done = await eventually(async () => {
      const s = await caseState(engine!.runtime, caseId);
      return s.status === 'completed' ? s : undefined;
    }, 60_000, 'the case to complete');
    expect(done.status).toBe('completed');

    // SIGTERM: the README's graceful close, and the process ends on its own.
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
