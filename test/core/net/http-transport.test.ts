/**
 * The metadata client over node:http (http-get.ts): what it asks for (identity bytes, since the
 * digests are of the file), which answers it retries, and how it words a stall, a trickle and a
 * truncated body.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ReproError } from '../../../src/core/errors.js';
import { Http } from '../../../src/core/net/http.js';

let server: Server;
let url: string;
const seen: IncomingHttpHeaders[] = [];
const sockets = new Set<Socket>();

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req.headers);
    switch (req.url) {
      case '/ok':
        return res.writeHead(200, { 'content-length': 2 }).end('ok');
      case '/429':
        return res.writeHead(429).end();
      case '/410':
        return res.writeHead(410).end();
      case '/silent':
        return; // never answers
      case '/trickle': {
        res.writeHead(200, { 'content-length': 1000 });
        const t = setInterval(() => res.write('x'), 20);
        return res.on('close', () => clearInterval(t));
      }
      case '/short':
        res.writeHead(200, { 'content-length': 1000 });
        return res.write(Buffer.alloc(10), () => res.socket?.end());
    }
    res.writeHead(404).end();
  });
  server.on('connection', (s) => (sockets.add(s), s.once('close', () => sockets.delete(s))));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => server.close(r));
});

async function failure(http: Http, path: string): Promise<ReproError> {
  const e = await http.get([url + path]).then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(ReproError);
  return e as ReproError;
}

it('asks for the identity encoding with its user-agent', async () => {
  const http = new Http({ userAgent: 'repro-get-test' });
  try {
    const r = await http.get([`${url}/ok`]);
    expect(r.data.toString()).toBe('ok');
    expect(seen.at(-1)).toMatchObject({ 'accept-encoding': 'identity', 'user-agent': 'repro-get-test' });
  } finally {
    await http.close();
  }
});

it('retries 429 on the same URL, and 410 not', async () => {
  const tried: string[] = [];
  const http = new Http({ retries: 2, backoffMs: 1, onAttempt: (u) => tried.push(u) });
  try {
    expect((await failure(http, '/429')).message).toMatch(/HTTP 429/);
    expect(tried).toEqual(Array(3).fill(`${url}/429`));
    tried.length = 0;
    expect((await failure(http, '/410')).message).toMatch(/HTTP 410/);
    expect(tried).toEqual([`${url}/410`]);
  } finally {
    await http.close();
  }
});

it('names a server that never answers, one that trickles past the whole-attempt bound, and a cut body', async () => {
  const http = new Http({ retries: 0, timeoutMs: 200, totalTimeoutMs: 300 });
  try {
    expect((await failure(http, '/silent')).message).toMatch(/silent: timeout: no answer within 200 ms/);
    expect((await failure(http, '/trickle')).message).toMatch(/trickle: no complete answer within 300 ms/);
    expect((await failure(http, '/short')).message).toMatch(/short: connection closed by the server mid-transfer/);
  } finally {
    await http.close();
  }
});
