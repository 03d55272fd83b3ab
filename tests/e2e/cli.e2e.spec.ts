import { describe, expect, it } from 'vitest';
import { runCli } from '../support/server.js';

const run = (args: string[]) => runCli(args);

describe('the onematter command', () => {
  it('lists the catalogue with departments and limits', async () => {
    const r = await run(['matters']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/enterprise-setup v1\s+企业开办\s+法定 8 \/ 承诺 3 个工作日/);
    expect(r.stdout).toMatch(/tax\s+税务局/);
  });

  it('prints the catalogue as JSON for scripts', async () => {
    const r = await run(['matters', '--json']);
    expect(JSON.parse(r.stdout).map((m: { id: string }) => m.id)).toContain('utility-connection');
  });

  it('exits 2 with a message on bad usage', async () => {
    const unknown = await run(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command/);
    const badStore = await run(['serve', '--store', 'oracle']);
    expect(badStore.code).toBe(2);
    expect(badStore.stderr).toMatch(/Allowed choices are sqlite, memory, postgres, kurrentdb/);
    const badPort = await run(['serve', '--port', 'eighty']);
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toMatch(/port/);
    const noPg = await run(['serve', '--store', 'postgres']);
    expect(noPg.code).toBe(2);
    expect(noPg.stderr).toMatch(/--pg-url/);
  });
});
