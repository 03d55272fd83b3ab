import { workbenchDir } from '@onematter/api';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.js';

/**
 * The workbench's first load as a browser fetches it: index.html revalidated every time,
 * the hashed scripts compressed at build time and cached for a year. Needs the built
 * workbench (npm run build).
 */
describe('the workbench files', () => {
  let t: TestApp;
  let entry: string;
  beforeAll(async () => {
    const dir = workbenchDir();
    if (!dir) throw new Error('the workbench is not built (packages/web/dist): run npm run build');
    t = await testApp();
    const html = (await t.app.inject({ url: '/' })).body;
    const src = /<script[^>]+src="([^"]+\.js)"/.exec(html)?.[1];
    if (!src) throw new Error(`index.html names no script: ${html}`);
    entry = src;
    expect(readdirSync(join(dir, 'assets'))).toContain(`${src.split('/').pop()}.br`);
  });
  afterAll(async () => t?.close());

  it('sends the hashed script brotli-compressed to a browser that accepts br, cached for a year', async () => {
    const plain = await t.app.inject({ url: entry, headers: { 'accept-encoding': 'identity' } });
    const res = await t.app.inject({ url: entry, headers: { 'accept-encoding': 'gzip, deflate, br, zstd' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-encoding']).toBe('br');
    expect(res.headers['content-type']).toMatch(/^(text|application)\/javascript/);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.headers.vary).toMatch(/accept-encoding/i);
    expect(res.rawPayload.length).toBeLessThan(plain.rawPayload.length / 2);
    expect(brotliDecompressSync(res.rawPayload).equals(plain.rawPayload)).toBe(true);
  });

  it('sends gzip to a browser that accepts only gzip, and the file itself to one that accepts neither', async () => {
    const gz = await t.app.inject({ url: entry, headers: { 'accept-encoding': 'gzip' } });
    expect(gz.statusCode).toBe(200);
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(gz.headers.vary).toMatch(/accept-encoding/i);

    const plain = await t.app.inject({ url: entry, headers: { 'accept-encoding': 'identity' } });
    expect(plain.statusCode).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(plain.headers.vary).toMatch(/accept-encoding/i);
    expect(gunzipSync(gz.rawPayload).equals(plain.rawPayload)).toBe(true);
  });

  it('has index.html revalidated on every load, compressed or not', async () => {
    for (const encoding of ['br', 'gzip', 'identity']) {
      const res = await t.app.inject({ url: '/', headers: { 'accept-encoding': encoding } });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.headers['content-encoding']).toBe(encoding === 'identity' ? undefined : encoding);
    }
  });
});
