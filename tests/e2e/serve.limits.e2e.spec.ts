/**
 * An operator's server is not held by clients that connect and say nothing, send their
 * request head a byte at a time, or open more connections than it can serve: each is
 * closed (the limits are flags, here set short so that the test does not wait long).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/app.js';
import { http, startServer, type ServerProcess } from '../support/server.js';

let dataDir: string;
beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'onematter-limits-'));
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const hostPort = (url: string) => {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port) };
};

/** A raw TCP client; `closed` settles with what the server sent before it closed the socket. */
async function rawClient(url: string): Promise<{ socket: Socket; closed: Promise<string> }> {
  const socket = connect(hostPort(url));
  let received = '';
  socket.on('data', (d) => (received += d));
  const closed = new Promise<string>((resolve) => socket.on('close', () => resolve(received)));
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return { socket, closed };
}

describe('clients that hold connections', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServer(['--data-dir', join(dataDir, 'a'), '--headers-timeout-ms', '1000', '--request-timeout-ms', '2000', '--connection-timeout-ms', '1500']);
  });
  afterAll(async () => server?.kill());

  it('closes a connection that sends nothing', async () => {
    const { closed } = await rawClient(server.url);
    await closed;
  });

  it('closes a connection whose request head never ends (slow headers), though it keeps sending', async () => {
    const { socket, closed } = await rawClient(server.url);
    socket.write('GET /api/v1/health HTTP/1.1\r\nHost: onematter\r\n');
    let n = 0;
    const drip = setInterval(() => socket.writable && socket.write(`X-Slow-${n++}: y\r\n`), 200);
    try {
      const answer = await closed;
      expect(answer === '' || /^HTTP\/1\.1 408/.test(answer), answer).toBe(true);
    } finally {
      clearInterval(drip);
    }
  });

  it('still answers a client that asks promptly', async () => {
    expect((await http(`${server.url}/api/v1/health`)).status).toBe(200);
  });
});

describe('the connection cap', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServer(['--data-dir', join(dataDir, 'b'), '--max-connections', '2']);
  });
  afterAll(async () => server?.kill());

  it('refuses a connection beyond --max-connections, and serves again once one ends', async () => {
    const held = [await rawClient(server.url), await rawClient(server.url)];
    const third = await rawClient(server.url);
    third.socket.write('GET /api/v1/health HTTP/1.1\r\nHost: onematter\r\n\r\n');
    expect(await third.closed).toBe('');
    held[0]!.socket.destroy();
    await held[0]!.closed;
    // The server counts the closed connection out when it sees it close.
    const answer = await eventually(async () => {
      const again = await rawClient(server.url);
      again.socket.write('GET /api/v1/health HTTP/1.1\r\nHost: onematter\r\nConnection: close\r\n\r\n');
      return (await again.closed) || undefined;
    });
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
    held[1]!.socket.destroy();
  });
});
