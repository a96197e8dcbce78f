import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { startMirror, type Mirror } from './mirror.js';

// 10 000 deterministic bytes, so every offset is distinguishable.
const DATA = Buffer.from(Array.from({ length: 10_000 }, (_, i) => (i * 7 + 3) & 0xff));

let root: string;
let m: Mirror;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'mirror-test-'));
  await mkdir(path.join(root, 'pool/main'), { recursive: true });
  await writeFile(path.join(root, 'pool/main/a.deb'), DATA);
  await writeFile(path.join(root, 'hello.txt'), 'hello\n');
  await writeFile(path.join(path.dirname(root), `${path.basename(root)}-secret`), 'outside\n');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
  await rm(`${root}-secret`, { force: true });
});
afterEach(async () => {
  await m?.close();
});

const start = async (): Promise<Mirror> => (m = await startMirror({ root }));

/** Sends a raw request and returns everything the server wrote before closing (or after `ms`). */
function raw(url: string, target: string, ms = 2_000): Promise<{ head: string; body: Buffer; error?: string }> {
  const { port } = new URL(url);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const s = connect(Number(port), '127.0.0.1', () => s.write(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
    const done = (error?: string): void => {
      clearTimeout(timer);
      s.destroy();
      const all = Buffer.concat(chunks);
      const sep = all.indexOf('\r\n\r\n');
      resolve({ head: all.subarray(0, sep).toString(), body: all.subarray(sep + 4), error });
    };
    const timer = setTimeout(() => done('timeout'), ms);
    s.on('data', (c) => chunks.push(c));
    s.on('end', () => done());
    s.on('error', (e: NodeJS.ErrnoException) => done(e.code));
  });
}

describe('serving files', () => {
  it('serves GET and HEAD with Content-Length and logs each request', async () => {
    await start();
    expect(m.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const r = await fetch(`${m.url}/pool/main/a.deb`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-length')).toBe(String(DATA.length));
    expect(Buffer.from(await r.arrayBuffer()).equals(DATA)).toBe(true);

    const h = await fetch(`${m.url}/hello.txt`, { method: 'HEAD' });
    expect(h.headers.get('content-length')).toBe('6');
    expect(await h.text()).toBe('');
    expect(m.requests).toEqual([
      { method: 'GET', path: '/pool/main/a.deb', status: 200, fault: undefined },
      { method: 'HEAD', path: '/hello.txt', status: 200, fault: undefined },
    ]);
  });

  it('answers 404 for missing files and directories, 405 for other methods', async () => {
    await start();
    expect((await fetch(`${m.url}/nope`)).status).toBe(404);
    expect((await fetch(`${m.url}/pool/main/`)).status).toBe(404);
    expect((await fetch(`${m.url}/pool`)).status).toBe(404);
    expect((await fetch(`${m.url}/hello.txt`, { method: 'POST', body: 'x' })).status).toBe(405);
  });

  it('refuses paths that climb out of the root, raw or percent-encoded', async () => {
    await start();
    const name = `${path.basename(root)}-secret`;
    for (const target of [`/../${name}`, `/%2e%2e/${name}`, `/pool/..%2f..%2f${name}`, '/hello.txt%00']) {
      const r = await raw(m.url, target);
      expect(r.head, target).toMatch(/^HTTP\/1\.1 400/);
      expect(r.body.toString()).not.toContain('outside');
    }
  });

  it('honours a byte range, so a client can resume', async () => {
    await start();
    const r = await fetch(`${m.url}/pool/main/a.deb`, { headers: { Range: 'bytes=9000-' } });
    expect(r.status).toBe(206);
    expect(r.headers.get('content-range')).toBe('bytes 9000-9999/10000');
    expect(Buffer.from(await r.arrayBuffer()).equals(DATA.subarray(9000))).toBe(true);
    expect((await fetch(`${m.url}/hello.txt`, { headers: { Range: 'bytes=50-' } })).status).toBe(416);
  });
});

describe('faults', () => {
  it('status: applies to the first `times` matching requests only', async () => {
    await start();
    m.fault('/hello.txt', { kind: 'status', status: 503, headers: { 'Retry-After': '1' }, times: 2 });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await fetch(`${m.url}/hello.txt`)).status);
    expect(statuses).toEqual([503, 503, 200]);
    expect(m.requests.map((r) => [r.status, r.fault])).toEqual([
      [503, 'status'],
      [503, 'status'],
      [200, undefined],
    ]);
    m.fault('/hello.txt', { kind: 'status', status: 500 });
    m.clearFaults();
    expect((await fetch(`${m.url}/hello.txt`)).status).toBe(200);
  });

  it('matches by predicate', async () => {
    await start();
    m.fault((p) => p.endsWith('.deb'), { kind: 'status', status: 404 });
    expect((await fetch(`${m.url}/pool/main/a.deb`)).status).toBe(404);
    expect((await fetch(`${m.url}/hello.txt`)).status).toBe(200);
  });

  it('truncate: full Content-Length, fewer bytes, then the connection ends', async () => {
    await start();
    m.fault('/pool/main/a.deb', { kind: 'truncate', bytes: 1000, times: 1 });
    const r = await request(`${m.url}/pool/main/a.deb`);
    expect(r.headers['content-length']).toBe('10000');
    await expect(r.body.arrayBuffer()).rejects.toThrow();
    const again = await raw(m.url, '/pool/main/a.deb'); // times: 1, so now whole
    expect(again.body.length).toBe(10_000);
    m.fault('/pool/main/a.deb', { kind: 'truncate', bytes: 1000 });
    const cut = await raw(m.url, '/pool/main/a.deb');
    expect(cut.error).toBeUndefined(); // a clean FIN, not a reset
    expect(cut.body.equals(DATA.subarray(0, 1000))).toBe(true);
  });

  it('flip: same length, exactly one byte inverted', async () => {
    await start();
    m.fault('/pool/main/a.deb', { kind: 'flip', offset: 1234 });
    m.fault('/hello.txt', { kind: 'flip', offset: -1 });
    const got = Buffer.from(await (await fetch(`${m.url}/pool/main/a.deb`)).arrayBuffer());
    expect(got.length).toBe(DATA.length);
    const diff = [...got.keys()].filter((i) => got[i] !== DATA[i]);
    expect(diff).toEqual([1234]);
    expect(got[1234]).toBe(DATA[1234] ^ 0xff);
    expect(Buffer.from(await (await fetch(`${m.url}/hello.txt`)).arrayBuffer()).at(-1)).toBe('\n'.charCodeAt(0) ^ 0xff);
  });

  it('extra: more bytes on the wire than Content-Length announces', async () => {
    await start();
    m.fault('/hello.txt', { kind: 'extra', bytes: 100 });
    const r = await raw(m.url, '/hello.txt');
    expect(r.head).toMatch(/content-length: 6/i);
    expect(r.body.toString()).toBe(`hello\n${'X'.repeat(100)}`);
  });

  it('endless: no Content-Length and data until the client goes away', async () => {
    await start();
    m.fault('/Packages.xz', { kind: 'endless' });
    const ac = new AbortController();
    const r = await fetch(`${m.url}/Packages.xz`, { signal: ac.signal });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-length')).toBeNull();
    let got = 0;
    const reader = r.body!.getReader();
    while (got < 4 * 1024 * 1024) got += (await reader.read()).value!.length;
    ac.abort();
    expect(got).toBeGreaterThanOrEqual(4 * 1024 * 1024);
  });

  it('stall: nothing for `ms`, then the normal answer', async () => {
    await start();
    m.fault('/hello.txt', { kind: 'stall', ms: 300, times: 2 });
    await expect(fetch(`${m.url}/hello.txt`, { signal: AbortSignal.timeout(100) })).rejects.toThrow();
    const t0 = Date.now();
    const r = await fetch(`${m.url}/hello.txt`);
    expect(await r.text()).toBe('hello\n');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
  });

  it('stall with headers: status line at once, body only after `ms`', async () => {
    await start();
    m.fault('/hello.txt', { kind: 'stall', ms: Infinity, headers: true });
    const r = await request(`${m.url}/hello.txt`, { bodyTimeout: 200 });
    expect(r.statusCode).toBe(200);
    await expect(r.body.text()).rejects.toThrow(/timeout/i);
  });

  it('reset: headers and part of the body, then a connection reset', async () => {
    await start();
    m.fault('/pool/main/a.deb', { kind: 'reset', after: 500 });
    const r = await request(`${m.url}/pool/main/a.deb`);
    expect(r.statusCode).toBe(200);
    await expect(r.body.arrayBuffer()).rejects.toThrow();
    // The RST itself (SO_LINGER 0) is not reliably visible to a reader on loopback: whether it sees
    // ECONNRESET or EOF depends on timing, so check what is stable, the short body.
    const rr = await raw(m.url, '/pool/main/a.deb');
    expect(rr.body.equals(DATA.subarray(0, 500))).toBe(true);
  });

  it('redirect: followed to another path, and a loop is detected by the client', async () => {
    await start();
    m.fault('/old/a.deb', { kind: 'redirect', location: '/pool/main/a.deb', status: 301 });
    const r = await fetch(`${m.url}/old/a.deb`);
    expect(r.url).toBe(`${m.url}/pool/main/a.deb`);
    expect(Buffer.from(await r.arrayBuffer()).equals(DATA)).toBe(true);

    m.fault('/loop1', { kind: 'redirect', location: '/loop2' });
    m.fault('/loop2', { kind: 'redirect', location: `${m.url}/loop1` });
    await expect(fetch(`${m.url}/loop1`)).rejects.toThrow();
    expect(m.requests.filter((q) => q.path.startsWith('/loop')).length).toBeGreaterThan(5);
  });

  it('replace: other bytes, even where no file exists', async () => {
    await start();
    m.fault('/hello.txt', { kind: 'replace', body: 'evil\n' });
    m.fault('/ghost', { kind: 'replace', body: new Uint8Array([1, 2, 3]) });
    expect(await (await fetch(`${m.url}/hello.txt`)).text()).toBe('evil\n');
    expect([...new Uint8Array(await (await fetch(`${m.url}/ghost`)).arrayBuffer())]).toEqual([1, 2, 3]);
  });

  it('close() ends hanging requests instead of waiting for them', async () => {
    await start();
    m.fault('/hello.txt', { kind: 'stall', ms: Infinity });
    const pending = fetch(`${m.url}/hello.txt`);
    await new Promise((r) => setTimeout(r, 50));
    const t0 = Date.now();
    await m.close();
    expect(Date.now() - t0).toBeLessThan(10_000);
    await expect(pending).rejects.toThrow();
  });
});
