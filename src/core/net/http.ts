/**
 * The HTTP client for metadata: Node's own client through http-get.ts (the transport the artifact
 * pool uses too), with a socket idle timeout, a whole-attempt timeout, bounded retries with
 * exponential backoff, manual (bounded) redirects, a hard byte limit, and optional sha256/size
 * checks while the body streams. Callers give an ordered list of URLs (mirror first, then
 * snapshot); each is tried with retries before moving to the next. Nothing it returns is
 * unverified when `expect` is given. Not undici: loading it cost every `lock` 130-145 ms wall
 * (plus a WebAssembly compile on the first request) to fetch a few files.
 */
import { createHash } from 'node:crypto';
import { finished } from 'node:stream';
import { ReproError } from '../errors.js';
import { hostRefusal } from './allowed-hosts.js';
import { HttpGetter, describeError, type GetResponse } from './http-get.js';

export interface Expect {
  sha256?: string;
  size?: number;
}

export interface GetOptions {
  /** Human name for errors, e.g. "dists/bookworm/InRelease". */
  what?: string;
  expect?: Expect;
  /** Refuse bodies larger than this (defaults to expect.size when given, else 256 MiB). */
  maxBytes?: number;
  /** Called for every chunk, e.g. to drive a progress bar. */
  onProgress?: (bytes: number) => void;
}

export interface HttpOptions {
  retries?: number; // per URL, after the first attempt
  timeoutMs?: number; // headers and idle-body timeout
  totalTimeoutMs?: number; // whole attempt, so a trickling server cannot hold us forever
  backoffMs?: number;
  maxRedirects?: number;
  userAgent?: string;
  /** For tests and logging: called once per HTTP attempt. */
  onAttempt?: (url: string) => void;
}

export interface Attempt {
  url: string;
  error: string;
}

/** An error for one attempt; `permanent` ones (404, hash mismatch) are not retried on the same URL. */
class AttemptError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    readonly hashMismatch?: { expected: string; actual: string; kind: 'sha256' | 'size' },
  ) {
    super(message);
  }
}

const DEFAULT_MAX = 256 * 1024 * 1024;

export class Http {
  private readonly opts: Required<Omit<HttpOptions, 'onAttempt'>> & Pick<HttpOptions, 'onAttempt'>;
  private readonly getter: HttpGetter;

  constructor(opts: HttpOptions = {}) {
    this.opts = {
      retries: opts.retries ?? 3,
      timeoutMs: opts.timeoutMs ?? 30_000,
      totalTimeoutMs: opts.totalTimeoutMs ?? 15 * 60_000,
      backoffMs: opts.backoffMs ?? 300,
      maxRedirects: opts.maxRedirects ?? 5,
      userAgent: opts.userAgent ?? 'repro-get',
      onAttempt: opts.onAttempt,
    };
    this.getter = new HttpGetter(16, this.opts.timeoutMs, this.opts.userAgent);
  }

  /** Closes every socket (the agents keep idle ones alive for the next request). */
  async close(): Promise<void> {
    this.getter.close();
  }

  /** Fetches the first URL that answers with a body that passes the checks. */
  async get(urls: string[], opts: GetOptions = {}): Promise<{ data: Buffer; url: string }> {
    const attempts: Attempt[] = [];
    let mismatch: { url: string; expected: string; actual: string; kind: string } | undefined;
    for (const url of urls) {
      for (let i = 0; i <= this.opts.retries; i++) {
        if (i > 0) await sleep(this.opts.backoffMs * 2 ** (i - 1));
        try {
          const data = await this.once(url, opts);
          return { data, url };
        } catch (e) {
          // "No such host" is an authoritative DNS answer; EAI_AGAIN and the rest may pass.
          const err = e instanceof AttemptError ? e : new AttemptError(describeError(e, this.opts.timeoutMs), (e as { code?: string })?.code === 'ENOTFOUND');
          attempts.push({ url, error: err.message });
          if (err.hashMismatch) mismatch = { url, ...err.hashMismatch };
          if (err.permanent) break;
        }
      }
    }
    const what = opts.what ?? urls[0];
    const tried = attempts.map((a) => `  ${a.url}: ${a.error}`).join('\n');
    if (mismatch) {
      throw new ReproError('HASH', `${what}: ${mismatch.kind} mismatch from ${mismatch.url}: expected ${mismatch.expected}, got ${mismatch.actual}.\nTried:\n${tried}`, {
        hint: 'The server sent different bytes than the signed metadata names. Another mirror may have the right file; the data was not used.',
        detail: { what, expected: mismatch.expected, actual: mismatch.actual, attempts },
      });
    }
    throw new ReproError('NETWORK', `could not download ${what}.\nTried:\n${tried}`, {
      hint: 'Check the URL and your network, or give another mirror with --mirror.',
      detail: { what, attempts },
    });
  }

  private async once(url0: string, opts: GetOptions): Promise<Buffer> {
    const limit = opts.expect?.size ?? opts.maxBytes ?? DEFAULT_MAX;
    let url = url0;
    const seen = new Set<string>();
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(new Error(`no complete answer within ${this.opts.totalTimeoutMs} ms`)), this.opts.totalTimeoutMs);
    try {
      for (;;) {
        if (!/^https?:\/\//.test(url)) throw new AttemptError(`refusing non-HTTP URL ${url}`, true);
        const refused = hostRefusal(url);
        if (refused) throw new AttemptError(refused, true);
        this.opts.onAttempt?.(url);
        const res = await this.getter.get(url, {}, abort.signal);
        if (res.statusCode >= 300 && res.statusCode < 400 && res.headers.location) {
          res.body.resume(); // drain: the connection stays usable
          const next = new URL(String(res.headers.location), url).toString();
          if (seen.has(next) || seen.size >= this.opts.maxRedirects) throw new AttemptError(`too many redirects (last to ${next})`, true);
          seen.add(next);
          url = next;
          continue;
        }
        if (res.statusCode !== 200) {
          res.body.resume();
          // 404/403/410 will not get better by asking again; 5xx, 408 and 429 might.
          const permanent = res.statusCode < 500 && res.statusCode !== 429 && res.statusCode !== 408;
          throw new AttemptError(`HTTP ${res.statusCode}`, permanent);
        }
        const announced = Number(res.headers['content-length'] ?? NaN);
        if (Number.isFinite(announced) && announced > limit) {
          // The getter listens for the body's errors, so the destroy raises nothing uncaught.
          res.body.destroy();
          throw new AttemptError(`announced ${announced} bytes, more than the ${limit} allowed`, true,
            opts.expect?.size !== undefined ? { kind: 'size', expected: String(opts.expect.size), actual: String(announced) } : undefined);
        }
        const hash = createHash('sha256');
        const chunks: Buffer[] = [];
        let got = 0;
        await readBody(res, (chunk) => {
          got += chunk.length;
          if (got > limit) {
            throw new AttemptError(`body exceeds ${limit} bytes`, true,
              opts.expect?.size !== undefined ? { kind: 'size', expected: String(opts.expect.size), actual: `more than ${limit}` } : undefined);
          }
          hash.update(chunk);
          chunks.push(chunk);
          opts.onProgress?.(chunk.length);
        });
        if (Number.isFinite(announced) && got !== announced) throw new AttemptError(`connection closed after ${got} of ${announced} bytes`, false);
        const exp = opts.expect;
        if (exp?.size !== undefined && got !== exp.size) {
          throw new AttemptError(`size mismatch: expected ${exp.size}, got ${got}`, false, { kind: 'size', expected: String(exp.size), actual: String(got) });
        }
        if (exp?.sha256) {
          const actual = hash.digest('hex');
          if (actual !== exp.sha256) throw new AttemptError(`sha256 mismatch: expected ${exp.sha256}, got ${actual}`, false, { kind: 'sha256', expected: exp.sha256, actual });
        }
        return Buffer.concat(chunks, got);
      }
    } catch (e) {
      // The whole-attempt timeout surfaces as whatever the destroyed request or body reports.
      throw abort.signal.aborted && !(e instanceof AttemptError) ? new AttemptError((abort.signal.reason as Error).message, false) : e;
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * Hands each chunk of the body to `each` as it arrives (no re-concatenation, unlike `for await`'s
 * read()); a throw from `each` destroys the body, and with it the connection, and rejects.
 */
function readBody(res: GetResponse, each: (chunk: Buffer) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const body = res.body;
    let failed = false;
    const onData = (chunk: Buffer) => {
      try {
        each(chunk);
      } catch (e) {
        failed = true;
        body.off('data', onData);
        body.destroy();
        reject(e);
      }
    };
    body.on('data', onData);
    finished(body, (err) => {
      if (failed) return;
      if (err) reject(err);
      else resolve();
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
