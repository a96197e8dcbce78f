/**
 * A real OCI registry for the mirror tests: Debian's `docker-registry` (Docker Distribution 2.8)
 * on a loopback port with a temporary storage folder, optionally behind htpasswd basic auth. And a
 * loopback proxy in front of any registry that can demand bearer tokens (Distribution needs a
 * separate token server for that; the proxy plays both parts) and corrupt blobs on the way out.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REGISTRY_BIN = '/usr/bin/docker-registry';

/** htpasswd auth test user. Distribution only reads bcrypt lines; this one is precomputed (cost 5). */
export const REGISTRY_USER = 'repro';
export const REGISTRY_PASSWORD = 'repro-pass';
const HTPASSWD = `${REGISTRY_USER}:$2b$05$abcdefghijklmnopqrstuu1skOVSBlBGtxDRD6oUCe8e5wizPGbv2\n`;

export interface Registry {
  /** `127.0.0.1:PORT` */
  host: string;
  storage: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

export async function startRegistry(opts: { basicAuth?: boolean } = {}): Promise<Registry> {
  const dir = await mkdtemp(join(tmpdir(), 'repro-get-registry-'));
  const storage = join(dir, 'storage');
  const port = await freePort();
  const auth = opts.basicAuth ? `auth:\n  htpasswd:\n    realm: repro-test\n    path: ${join(dir, 'htpasswd')}\n` : '';
  if (opts.basicAuth) await writeFile(join(dir, 'htpasswd'), HTPASSWD);
  await writeFile(
    join(dir, 'config.yml'),
    `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${storage}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${port}\n${auth}`,
  );
  const child: ChildProcess = spawn(REGISTRY_BIN, ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const host = `127.0.0.1:${port}`;
  // Ready when /v2/ answers (200, or 401 with auth on).
  for (let i = 0; ; i++) {
    const status = await new Promise<number>((r) => {
      const q = request(`http://${host}/v2/`, (res) => (res.resume(), r(res.statusCode ?? 0)));
      q.on('error', () => r(0));
      q.end();
    });
    if (status === 200 || status === 401) break;
    if (child.exitCode !== null || i > 200) {
      child.kill();
      throw new Error(`docker-registry did not start on ${host}: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return {
    host,
    storage,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface RegistryProxy {
  host: string;
  /** Requests seen, `METHOD path`. */
  requests: string[];
  /** Flip one byte of every blob GET whose digest is this one. */
  corrupt: Set<string>;
  /** Tokens issued by the fake token endpoint, with their scope. */
  tokens: string[];
  /** With bearer: each token is good for this many requests, then refused (an expired token). */
  tokenUses: number;
  close(): Promise<void>;
}

/**
 * Forwards to `upstream`. With `bearer`, every /v2/ request must carry a token from this proxy's
 * own `/token` endpoint (which wants basic `user:password` when given), like a registry fronted by
 * a token server; the token is replaced by `upstreamAuth` (if any) on the way in.
 */
export async function startRegistryProxy(upstream: string, opts: { bearer?: { user: string; password: string }; upstreamAuth?: string } = {}): Promise<RegistryProxy> {
  const requests: string[] = [];
  const corrupt = new Set<string>();
  const tokens: string[] = [];
  const used = new Map<string, number>();
  const sockets = new Set<Socket>();
  let host = '';
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    requests.push(`${req.method} ${url.split('?')[0]}`);
    if (opts.bearer && url.startsWith('/token')) {
      const want = 'Basic ' + Buffer.from(`${opts.bearer.user}:${opts.bearer.password}`).toString('base64');
      if (req.headers.authorization !== want) return void res.writeHead(401).end('bad credentials');
      const scope = new URL(url, 'http://x').searchParams.get('scope') ?? '';
      const token = `tok-${tokens.length}`;
      tokens.push(`${token} ${scope}`);
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token, expires_in: 300 }));
    }
    const headers = { ...req.headers, host: upstream };
    if (opts.bearer) {
      const tok = /^Bearer (tok-\d+)$/.exec(req.headers.authorization ?? '')?.[1];
      const uses = tok ? (used.get(tok) ?? 0) + 1 : 0;
      if (tok) used.set(tok, uses);
      if (!tok || !tokens.some((t) => t.startsWith(tok + ' ')) || uses > proxy.tokenUses) {
        const repo = /^\/v2\/(.+)\/(blobs|manifests)\//.exec(url)?.[1];
        const scope = repo ? `,scope="repository:${repo}:pull,push"` : '';
        return void res.writeHead(401, { 'www-authenticate': `Bearer realm="http://${host}/token",service="test-registry"${scope}` }).end('{"errors":[{"code":"UNAUTHORIZED"}]}');
      }
      delete headers.authorization;
    }
    if (opts.upstreamAuth) headers.authorization = opts.upstreamAuth;
    const up = request(`http://${upstream}${url}`, { method: req.method, headers }, (ur) => {
      const h = { ...ur.headers };
      // Redirects and upload locations name the upstream; point them back at the proxy.
      if (typeof h.location === 'string') h.location = h.location.replace(`http://${upstream}`, `http://${host}`);
      res.writeHead(ur.statusCode ?? 502, h);
      const digest = /\/blobs\/sha256:([0-9a-f]{64})$/.exec(url.split('?')[0])?.[1];
      if (req.method === 'GET' && digest && corrupt.has(digest)) {
        let first = true;
        ur.on('data', (c: Buffer) => {
          if (first && c.length) (c = Buffer.from(c)), (c[0] ^= 0xff), (first = false);
          res.write(c);
        });
        ur.on('end', () => res.end());
      } else ur.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  server.on('connection', (s) => (sockets.add(s), s.on('close', () => sockets.delete(s))));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const proxy: RegistryProxy = {
    host,
    requests,
    corrupt,
    tokens,
    tokenUses: Infinity,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
  return proxy;
}
