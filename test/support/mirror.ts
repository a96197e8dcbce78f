/**
 * Loopback HTTP mirror for the hermetic tests: serves a folder (usually fixtures/apt/repo) on
 * 127.0.0.1 at an ephemeral port, logs every request, and injects faults per path so the network
 * code can be tested against the ways real mirrors fail. Everything is deterministic: no random
 * bytes, no timing except the `stall` a test asks for; `close()` destroys every socket and timer so
 * a hanging fault never outlives its test.
 */
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';

export type Fault =
  /** Answer with this status (and a short text body) instead of the file. */
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: string }
  /** Announce the full Content-Length, send only `bytes` bytes, then close the connection (FIN). */
  | { kind: 'truncate'; bytes: number }
  /** Send the file with the byte at `offset` inverted (negative counts from the end). */
  | { kind: 'flip'; offset: number }
  /** Announce the file's Content-Length but send `bytes` more bytes ('X') after it. */
  | { kind: 'extra'; bytes: number }
  /** 200 without Content-Length, then `chunk` (default 64 KiB of zeros) forever, until the client goes away. */
  | { kind: 'endless'; chunk?: Uint8Array }
  /** Wait `ms` (Infinity: until close) before answering normally; with `headers`, send them first. */
  | { kind: 'stall'; ms: number; headers?: boolean }
  /** Send headers and the first `after` bytes, then reset the connection (RST). */
  | { kind: 'reset'; after: number }
  /** Redirect to `location` (absolute, or a path on this mirror); two redirects make a loop. */
  | { kind: 'redirect'; location: string; status?: 301 | 302 | 303 | 307 | 308 }
  /** Serve these bytes instead of the file (which need not exist). */
  | { kind: 'replace'; body: string | Uint8Array };

/** A fault plus how many matching requests it applies to (default: all of them). */
export type FaultOptions = Fault & { times?: number };

/** A decoded URL path (`/debian/dists/bookworm/InRelease`) or a predicate on it. */
export type PathMatcher = string | ((path: string, method: string) => boolean);

export interface LoggedRequest {
  method: string;
  /** Decoded path, without the query. */
  path: string;
  /** Status sent (0 while a stall has sent nothing, or for a request refused before routing). */
  status: number;
  fault?: Fault['kind'];
}

export interface Mirror {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  url: string;
  /** Every request in arrival order. */
  requests: LoggedRequest[];
  /** Adds a fault; the first registered fault that matches and has uses left wins. */
  fault(match: PathMatcher, fault: FaultOptions): void;
  clearFaults(): void;
  close(): Promise<void>;
}

interface Rule {
  match: PathMatcher;
  fault: Fault;
  left: number;
}

const ENDLESS_CHUNK = new Uint8Array(64 * 1024);

export async function startMirror(opts: { root: string }): Promise<Mirror> {
  const root = path.resolve(opts.root);
  const requests: LoggedRequest[] = [];
  let rules: Rule[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const later = (res: ServerResponse, ms: number, fn: () => void): void => {
    if (ms === Infinity) return; // hangs until the client leaves or close() destroys the socket
    const t = setTimeout(() => {
      timers.delete(t);
      if (!res.destroyed) fn();
    }, ms);
    timers.add(t);
    res.once('close', () => {
      clearTimeout(t);
      timers.delete(t);
    });
  };

  const takeFault = (p: string, method: string): Fault | undefined => {
    const rule = rules.find((r) => r.left > 0 && (typeof r.match === 'string' ? r.match === p : r.match(p, method)));
    if (rule) rule.left--;
    return rule?.fault;
  };

  /** The file under root for a checked path, or null (a second guard against leaving root). */
  const fileFor = async (p: string): Promise<Buffer | null> => {
    const full = path.join(root, p);
    if (full !== root && !full.startsWith(root + path.sep)) return null;
    const st = await stat(full).catch(() => null);
    return st?.isFile() ? readFile(full) : null; // directories are never listed
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, entry: LoggedRequest): Promise<void> => {
    const head = req.method === 'HEAD';
    const send = (status: number, headers: Record<string, string | number>, body?: Uint8Array): void => {
      entry.status = status;
      res.writeHead(status, headers);
      res.end(head ? undefined : body);
    };
    const text = (status: number, extra: Record<string, string> = {}, body = `${status} ${STATUS_CODES[status] ?? ''}\n`): void =>
      send(status, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(body), ...extra }, Buffer.from(body));

    if (req.method !== 'GET' && !head) return text(405, { Allow: 'GET, HEAD' });
    // Not `new URL()`: it would quietly resolve `/../x` to `/x`, and a mirror must refuse it.
    const target = (req.url ?? '').split(/[?#]/)[0];
    let p: string;
    try {
      p = decodeURIComponent(target);
    } catch {
      return text(400);
    }
    if (!p.startsWith('/') || p.includes('\0') || p.split(/[/\\]/).includes('..')) return text(400);
    entry.path = p;
    const fault = takeFault(p, req.method ?? 'GET');
    entry.fault = fault?.kind;

    if (fault?.kind === 'status') return text(fault.status, fault.headers, fault.body);
    if (fault?.kind === 'redirect') return send(fault.status ?? 302, { Location: fault.location, 'Content-Length': 0 });
    if (fault?.kind === 'endless' && !head) return endless(res, entry, fault.chunk ?? ENDLESS_CHUNK);
    if (fault?.kind === 'stall' && !fault.headers) return later(res, fault.ms, () => void serve(undefined));
    return serve(fault);

    async function serve(f: Fault | undefined): Promise<void> {
      let body: Buffer | null;
      try {
        body = f?.kind === 'replace' ? Buffer.from(f.body) : await fileFor(p);
      } catch {
        return text(500);
      }
      if (!body) return text(404);
      const headers = { 'Content-Type': 'application/octet-stream', 'Content-Length': body.length, 'Accept-Ranges': 'bytes' };
      if (head || !f || f.kind === 'replace' || f.kind === 'endless') return whole(body, headers);

      entry.status = 200;
      switch (f.kind) {
        case 'flip': {
          const copy = Buffer.from(body);
          const at = Math.min(Math.max(f.offset < 0 ? copy.length + f.offset : f.offset, 0), copy.length - 1);
          if (copy.length > 0) copy[at] ^= 0xff;
          return send(200, headers, copy);
        }
        case 'extra':
          // Node does not police Content-Length by default, so the surplus reaches the wire.
          res.writeHead(200, { ...headers, Connection: 'close' });
          res.end(Buffer.concat([body, Buffer.alloc(f.bytes, 'X')]));
          return;
        case 'truncate':
          res.writeHead(200, headers);
          res.write(body.subarray(0, f.bytes), () => res.socket?.end());
          return;
        case 'reset':
          res.writeHead(200, headers);
          res.write(body.subarray(0, f.after), () => res.socket?.resetAndDestroy());
          return;
        case 'stall': // with headers: send them now, the body after the stall
          res.writeHead(200, headers);
          res.flushHeaders();
          return later(res, f.ms, () => res.end(body));
      }
    }

    /** A normal answer, honouring a single `Range: bytes=a-b` (resumed downloads). */
    function whole(body: Buffer, headers: Record<string, string | number>): void {
      const m = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
      if (!m || (m[1] === '' && m[2] === '')) return send(200, headers, body);
      const start = m[1] === '' ? Math.max(body.length - Number(m[2]), 0) : Number(m[1]);
      const end = m[1] === '' || m[2] === '' ? body.length - 1 : Math.min(Number(m[2]), body.length - 1);
      if (start > end || start >= body.length) return text(416, { 'Content-Range': `bytes */${body.length}` });
      send(206, { ...headers, 'Content-Length': end - start + 1, 'Content-Range': `bytes ${start}-${end}/${body.length}` }, body.subarray(start, end + 1));
    }
  };

  const server = createServer((req, res) => {
    const entry: LoggedRequest = { method: req.method ?? '', path: req.url ?? '', status: 0 };
    requests.push(entry); // pushed on arrival so the log keeps request order under concurrency
    handle(req, res, entry).catch(() => res.destroy());
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('error', () => {}); // clients abort on purpose in fault tests
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    fault(match, f) {
      const { times, ...fault } = f;
      rules.push({ match, fault: fault as Fault, left: times ?? Infinity });
    },
    clearFaults() {
      rules = [];
    },
    close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Streams `chunk` until the client goes away, respecting backpressure. */
function endless(res: ServerResponse, entry: LoggedRequest, chunk: Uint8Array): void {
  entry.status = 200;
  res.writeHead(200, { 'Content-Type': 'application/octet-stream' }); // no length: chunked, never ends
  const pump = (): void => {
    while (!res.destroyed) {
      if (!res.write(chunk)) {
        res.once('drain', pump);
        return;
      }
    }
  };
  pump();
}
