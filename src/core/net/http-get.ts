/**
 * The HTTP transport for metadata (http.ts) and the artifact pool (download.ts): one GET over
 * node:http or node:https, kept-alive connections, at most `connections` per host, a socket idle
 * timeout for both the headers and the body. Every request asks for `accept-encoding: identity`:
 * the digests both callers check are of the file, not of a transfer encoding of it.
 *
 * Why not undici (now only the OCI registry client's): for bulk bodies Node's own client parses
 * with the native llhttp instead of copying every byte into and out of WebAssembly memory, and
 * costs nothing to load, where `require('undici')` took 130-145 ms wall per process here, plus a
 * WebAssembly compile on the first request. Measured on the fetch benchmark's 150 artifacts
 * (60 MiB, loopback, 8 at a time): the bare transfer plus hashing took ~0.55 s CPU with node:http
 * against ~0.95 s with undici.request, and a whole cold `repro-get fetch` went from 1.79 to 1.26 s
 * CPU (medians of 5, busy 2-core machine).
 * Redirects, retries, limits and verification stay with the callers.
 */
import http from 'node:http';
import https from 'node:https';

export interface GetResponse {
  statusCode: number;
  headers: http.IncomingHttpHeaders;
  /** Errors (timeouts, aborts, a dropped connection) arrive as the body's 'error'. */
  body: http.IncomingMessage;
}

/** A stalled request: `code` says whether it stalled before the headers or in the body. */
export class StallError extends Error {
  constructor(
    message: string,
    readonly code: 'HEADERS_TIMEOUT' | 'BODY_TIMEOUT',
  ) {
    super(message);
  }
}

export class HttpGetter {
  private readonly http: http.Agent;
  private readonly https: https.Agent;

  constructor(
    connections: number,
    private readonly timeoutMs: number,
    private readonly userAgent = 'repro-get',
  ) {
    this.http = new http.Agent({ keepAlive: true, maxSockets: connections });
    this.https = new https.Agent({ keepAlive: true, maxSockets: connections });
  }

  /** Resolves once the headers are in; aborting `signal` destroys the request or its body. */
  get(url: string, headers: Record<string, string>, signal: AbortSignal): Promise<GetResponse> {
    return new Promise((resolve, reject) => {
      signal.throwIfAborted();
      const secure = url.startsWith('https:');
      const all = { 'user-agent': this.userAgent, 'accept-encoding': 'identity', ...headers };
      const req = (secure ? https : http).request(url, { method: 'GET', headers: all, agent: secure ? this.https : this.http });
      let res: http.IncomingMessage | undefined;
      const onAbort = () => (res ? res.destroy(signal.reason) : req.destroy(signal.reason));
      signal.addEventListener('abort', onAbort, { once: true });
      const done = () => signal.removeEventListener('abort', onAbort);
      // Socket inactivity, so a trickle that keeps moving is not cut off; a body stall is
      // reported by destroying the body, where the reader is listening.
      req.setTimeout(this.timeoutMs, () => {
        if (res) res.destroy(new StallError(`the body stalled for ${this.timeoutMs} ms`, 'BODY_TIMEOUT'));
        else req.destroy(new StallError(`no answer within ${this.timeoutMs} ms`, 'HEADERS_TIMEOUT'));
      });
      req.on('error', (e) => {
        done();
        reject(e); // a no-op once resolved: the body reports its own end
      });
      req.on('response', (r) => {
        res = r;
        r.on('error', () => {}); // the reader sees errors through stream.finished
        r.once('close', done);
        resolve({ statusCode: r.statusCode ?? 0, headers: r.headers, body: r });
      });
      req.end();
    });
  }

  /** Closes every socket, idle or not. */
  close(): void {
    this.http.destroy();
    this.https.destroy();
  }
}

/** A transport error in words, keeping the code for searching. */
export function describeError(e: unknown, timeoutMs: number): string {
  const code = (e as { code?: string })?.code;
  switch (code) {
    case 'HEADERS_TIMEOUT':
      return `timeout: no answer within ${timeoutMs} ms`;
    case 'BODY_TIMEOUT':
      return `timeout: the body stalled for ${timeoutMs} ms`;
    case 'ECONNRESET':
      // Node says "aborted" when the connection ends inside a body, "socket hang up" before one.
      return (e as Error).message === 'aborted' ? `connection closed by the server mid-transfer (${code})` : `connection reset (${code})`;
    case 'ECONNREFUSED':
      return `connection refused (${code})`;
    case 'ENOTFOUND':
      return `host not found (${code})`;
  }
  if (e instanceof Error) {
    const cause = e.cause instanceof Error ? ` (${e.cause.message})` : '';
    return `${code ? code + ': ' : ''}${e.message}${cause}`;
  }
  return String(e);
}
