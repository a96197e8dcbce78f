/**
 * The artifact download pool. Artifacts (.deb, .rpm, …) can be large, so unlike Http.get (which
 * buffers metadata) each body is streamed into a temporary file inside the cache while it is hashed
 * and counted; more bytes than the lock's size aborts the transfer at once. Only a file whose sha256
 * AND size match the lock is renamed into the cache under its digest, so the cache never holds an
 * unverified byte and a warm cache means no HTTP request at all.
 *
 * Per artifact the URLs are tried in order (content-addressed --mirror stores, lock mirror, snapshot
 * URL, the lock's fallbacks, then archive-layout --mirror bases), each with retries and exponential
 * backoff; every artifact is attempted, and one
 * error lists all that failed, with every URL tried and expected vs actual digest and size.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { finished, type Readable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pLimit from 'p-limit';
import { ReproError } from '../errors.js';
import { hostRefusal } from './allowed-hosts.js';
import { HttpGetter, describeError } from './http-get.js';
import { parseOciRef, type OciRef } from '../oci/reference.js';
import type { LockedPackage } from '../lockfile/schema.js';
import type { ContentCache } from './cache.js';
import { silentProgress, type ProgressSink } from './progress.js';

export interface Artifact {
  /** "name version arch", how messages name it. */
  label: string;
  sha256: string;
  size: number;
  /** Archive-relative path (pool/main/c/curl/…), appended to pool-layout mirror bases. */
  filename: string;
  /** URLs from the lock, in the order to try them (lock-time mirror, snapshot URL, fallbacks). */
  urls: string[];
}

export function artifactOf(p: LockedPackage): Artifact {
  return {
    label: `${p.name} ${p.version} ${p.arch}`,
    sha256: p.sha256,
    size: p.size,
    filename: p.filename,
    urls: [...(p.mirror ? [p.mirror] : []), p.url, ...(p.fallbacks ?? [])],
  };
}

/**
 * An extra place to look for artifacts (--mirror, REPRO_GET_MIRROR).
 *
 * `pool`: laid out like the archive (the package's filename is appended), tried after the lock's
 * URLs. `store`: content-addressed, an artifact is `prefix + <sha256 hex>` — a static store
 * (`dir:/srv/repro` or `store+https://host/path/`, both `<base>/sha256/<hex>`) or an OCI registry
 * (`oci://host/repo`, `/v2/<repo>/blobs/sha256:<hex>`); stores are your own copies, so they are
 * tried before the lock's URLs. Either way the bytes are verified against the lock, so a mirror
 * can never change what is installed.
 */
export type MirrorBase =
  | { kind: 'pool'; url: string }
  | {
      kind: 'store';
      url: string;
      prefix: string;
      /** Set for oci:// mirrors; whoever resolves registry credentials fills in `authorize`. */
      oci?: OciRef;
      /** The Authorization header for requests under `prefix` (renew: the last one was refused). */
      authorize?: (renew: boolean) => Promise<string | undefined>;
    };

export function parseMirrorBase(s: string, opts: { insecure?: boolean } = {}): MirrorBase {
  if (s.startsWith('dir:')) {
    const dir = s.slice(4);
    if (!dir) throw new ReproError('USAGE', `--mirror dir: needs a folder (dir:/srv/repro, holding sha256/<hex> files).`);
    const abs = isAbsolute(dir) ? dir : resolve(dir);
    return { kind: 'store', url: `dir:${abs}`, prefix: pathToFileURL(abs).toString().replace(/\/?$/, '/sha256/') };
  }
  if (s.startsWith('oci://')) {
    const ref = parseOciRef(s, opts);
    if (ref.tag) throw new ReproError('USAGE', `--mirror ${s}: name the repository without a tag (blobs are fetched by digest).`);
    return { kind: 'store', url: s, prefix: `${ref.base}/v2/${ref.repository}/blobs/sha256:`, oci: ref };
  }
  const store = s.startsWith('store+');
  const u = store ? s.slice(6) : s;
  if (!/^https?:\/\/[^\s/]+(\/\S*)?$/.test(u)) {
    throw new ReproError(
      'USAGE',
      `--mirror ${JSON.stringify(s)}: expected an http:// or https:// base URL laid out like the archive (the package's filename is appended), store+https://… or dir:FOLDER for a sha256/<hex> store, or oci://HOST/REPOSITORY.`,
    );
  }
  const url = u.endsWith('/') ? u : u + '/';
  if (store) return { kind: 'store', url: s, prefix: url + 'sha256/' };
  // A base ending in /sha256/ is a static store's own folder: no archive has one at that place.
  if (/\/sha256\/$/.test(url)) return { kind: 'store', url, prefix: url };
  return { kind: 'pool', url };
}

/** --mirror flags first, then REPRO_GET_MIRROR (space-separated), without duplicates. */
export function mirrorsFrom(flags: string[] = [], env: NodeJS.ProcessEnv = process.env, opts: { insecure?: boolean } = {}): MirrorBase[] {
  const all = [...flags, ...(env.REPRO_GET_MIRROR ?? '').split(/\s+/).filter(Boolean)];
  const seen = new Set<string>();
  const out: MirrorBase[] = [];
  for (const m of all.map((s) => parseMirrorBase(s, opts))) if (!seen.has(m.url)) (seen.add(m.url), out.push(m));
  return out;
}

function mirrorUrl(m: MirrorBase, a: Artifact): string {
  switch (m.kind) {
    case 'pool':
      return m.url + a.filename.split('/').map(encodeURIComponent).join('/');
    case 'store':
      return m.prefix + a.sha256;
  }
}

/** Every URL to try for one artifact, in order, each once: stores, the lock's URLs, pool mirrors. */
export function candidateUrls(a: Artifact, mirrors: MirrorBase[] = []): string[] {
  const of = (kind: MirrorBase['kind']) => mirrors.filter((m) => m.kind === kind).map((m) => mirrorUrl(m, a));
  return [...new Set([...of('store'), ...a.urls, ...of('pool')])];
}

export interface DownloadOptions {
  cache: ContentCache;
  /** Parallel downloads (default 8). */
  jobs?: number;
  mirrors?: MirrorBase[];
  /** Retries per URL after the first attempt (default 3). */
  retries?: number;
  /** Headers timeout and body idle timeout, in ms (default 30 s). */
  timeoutMs?: number;
  /** Whole-attempt bound, so a trickling server cannot hold a slot forever (default 30 min). */
  totalTimeoutMs?: number;
  /** First retry delay; doubles each retry (default 300 ms). */
  backoffMs?: number;
  maxRedirects?: number;
  userAgent?: string;
  progress?: ProgressSink;
  /** Called once per HTTP request (tests count them; --verbose could print them). */
  onAttempt?: (url: string) => void;
}

export interface DownloadResult {
  /** sha256 → verified file in the cache. */
  paths: Map<string, string>;
  fetched: number;
  cached: number;
  bytes: number;
}

interface Tried {
  url: string;
  error: string;
}

interface Failure {
  artifact: Artifact;
  tried: Tried[];
  /** The last content mismatch seen, if any: the reason this is a HASH and not a NETWORK error. */
  mismatch?: { url: string; sha256?: string; size: number | string };
}

/** One failed attempt. `permanent`: asking the same URL again will not help (404, wrong bytes). */
class AttemptError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    readonly mismatch?: { sha256?: string; size: number | string },
  ) {
    super(message);
  }
}

/**
 * Downloads and verifies every artifact into the cache (skipping those already there and intact).
 * Resolves with the cache paths only if every artifact verified; otherwise throws one ReproError
 * ('HASH' if any server sent wrong bytes, else 'NETWORK') listing every failure.
 */
export async function downloadArtifacts(artifacts: Artifact[], opts: DownloadOptions): Promise<DownloadResult> {
  const jobs = opts.jobs ?? 8;
  if (!Number.isInteger(jobs) || jobs < 1) throw new ReproError('USAGE', `--jobs must be a positive integer, got ${jobs}.`);
  const progress = opts.progress ?? silentProgress;
  const limit = pLimit(jobs);

  // Same digest twice (an arch:all file locked for two architectures) is one download.
  const unique = new Map<string, Artifact>();
  for (const a of artifacts) if (!unique.has(a.sha256)) unique.set(a.sha256, a);

  // Pass 1, the cache: has() re-hashes, and deletes an entry that no longer matches.
  const paths = new Map<string, string>();
  const missing: Artifact[] = [];
  await Promise.all(
    [...unique.values()].map((a) =>
      limit(async () => {
        if (await opts.cache.has(a.sha256, a.size)) paths.set(a.sha256, opts.cache.pathOf(a.sha256));
        else missing.push(a);
      }),
    ),
  );
  const cached = unique.size - missing.length;
  if (!missing.length) return { paths, fetched: 0, cached, bytes: 0 };

  // Pass 2, the network. One connection per job to each host, kept alive.
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const getter = new HttpGetter(jobs, timeoutMs, opts.userAgent ?? 'repro-get');
  const ctx: Ctx = {
    getter,
    timeoutMs,
    totalTimeoutMs: opts.totalTimeoutMs ?? 30 * 60_000,
    retries: opts.retries ?? 3,
    backoffMs: opts.backoffMs ?? 300,
    maxRedirects: opts.maxRedirects ?? 5,
    onAttempt: opts.onAttempt,
    progress,
    stores: (opts.mirrors ?? []).filter((m): m is Extract<MirrorBase, { kind: 'store' }> => m.kind === 'store'),
  };
  // Stable order (big files first keeps the pool busy to the end), independent of cache timing.
  missing.sort((x, y) => y.size - x.size || (x.label < y.label ? -1 : x.label > y.label ? 1 : 0));
  const failures: Failure[] = [];
  let bytes = 0;
  progress.start({ files: missing.length, bytes: missing.reduce((s, a) => s + a.size, 0), cached });
  try {
    await Promise.all(
      missing.map(async (a) => {
        const r = await limit(() => downloadOne(a, candidateUrls(a, opts.mirrors), opts.cache, ctx));
        if ('failure' in r) failures.push(r.failure);
        else {
          // Already fdatasync'ed inside the slot (attemptOnce): adopt() only names it. On this
          // machine's ext4, syncing in or out of the slot, or not at all, measured the same.
          try {
            paths.set(a.sha256, await opts.cache.adopt(r.tmp, a.sha256, { synced: true }));
            bytes += a.size;
          } catch (e) {
            failures.push({ artifact: a, tried: [{ url: '(cache)', error: `verified, but cannot be stored in ${opts.cache.dir}: ${(e as Error).message}` }] });
            await rm(r.tmp, { force: true });
          }
        }
        progress.fileDone();
      }),
    );
  } finally {
    progress.stop();
    getter.close();
  }
  if (failures.length) throw failureError(failures, unique.size);
  return { paths, fetched: missing.length, cached, bytes };
}

interface Ctx {
  getter: HttpGetter;
  timeoutMs: number;
  totalTimeoutMs: number;
  retries: number;
  backoffMs: number;
  maxRedirects: number;
  onAttempt?: (url: string) => void;
  progress: ProgressSink;
  stores: Extract<MirrorBase, { kind: 'store' }>[];
}

/** Tries every URL until one gives exactly the artifact: resolves with that verified temporary file. */
async function downloadOne(a: Artifact, urls: string[], cache: ContentCache, ctx: Ctx): Promise<{ tmp: string } | { failure: Failure }> {
  const failure: Failure = { artifact: a, tried: [] };
  const tmp = await cache.tempPath();
  let verified = false;
  try {
    for (const url of urls) {
      for (let i = 0; i <= ctx.retries; i++) {
        if (i > 0) await sleep(ctx.backoffMs * 2 ** (i - 1));
        let got = 0;
        try {
          await attemptOnce(url, a, tmp, ctx, (n) => {
            got += n;
            ctx.progress.bytes(n);
          });
          verified = true;
          return { tmp };
        } catch (e) {
          ctx.progress.bytes(-got); // the next attempt starts from zero
          const err = e instanceof AttemptError ? e : new AttemptError(describeError(e, ctx.timeoutMs), false);
          failure.tried.push({ url, error: err.message });
          if (err.mismatch) failure.mismatch = { url, ...err.mismatch };
          if (err.permanent) break;
        }
      }
    }
    return { failure };
  } finally {
    if (!verified) await rm(tmp, { force: true }); // no partial or wrong file stays in the cache
  }
}

/** One GET of one URL into `tmp`: resolves only if the file is exactly the artifact. */
async function attemptOnce(url0: string, a: Artifact, tmp: string, ctx: Ctx, onBytes: (n: number) => void): Promise<void> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new Error(`not complete after ${ctx.totalTimeoutMs} ms`)), ctx.totalTimeoutMs);
  let url = url0;
  // The store this URL belongs to: a dir: store is read from disk, an OCI one may want a header
  // (sent to that registry only: a redirect elsewhere is a signed storage URL and gets none).
  const store = ctx.stores.find((m) => url0.startsWith(m.prefix));
  try {
    for (let hops = 0, renewed = false; ; hops++) {
      let body: Readable;
      let announced = NaN;
      if (hops === 0 && store && url.startsWith('file:')) {
        ctx.onAttempt?.(url);
        const file = fileURLToPath(url);
        const s = createReadStream(file, { highWaterMark: 1 << 20 });
        await new Promise<void>((ok, fail) => s.once('open', () => ok()).once('error', fail)).catch((e: NodeJS.ErrnoException) => {
          throw new AttemptError(e.code === 'ENOENT' ? `not in the store (${file})` : `${e.code ?? ''} ${e.message}`.trim(), e.code === 'ENOENT');
        });
        abort.signal.addEventListener('abort', () => s.destroy());
        body = s;
      } else {
        if (!/^https?:\/\//.test(url)) throw new AttemptError(`refusing non-HTTP URL ${url}`, true);
        const refused = hostRefusal(url);
        if (refused) throw new AttemptError(refused, true);
        ctx.onAttempt?.(url);
        // No access to the registry is no access for this URL: the next URL, not a retry.
        const auth = hops === 0 && store?.authorize ? await store.authorize(renewed).catch((e: Error) => Promise.reject(new AttemptError(e.message, true))) : undefined;
        // The getter adds the user-agent and accept-encoding: identity.
        const res = await ctx.getter.get(url, auth ? { authorization: auth } : {}, abort.signal);
        if (res.statusCode === 401 && auth && !renewed) {
          // An expired token: renew once and ask again.
          res.body.resume(); // drain: the connection stays usable
          (renewed = true), (hops = -1);
          continue;
        }
        if (res.statusCode >= 300 && res.statusCode < 400 && res.headers.location) {
          res.body.resume(); // drain: the connection stays usable
          if (hops >= ctx.maxRedirects) throw new AttemptError(`more than ${ctx.maxRedirects} redirects`, true);
          url = new URL(String(res.headers.location), url).toString();
          continue;
        }
        if (res.statusCode !== 200) {
          res.body.resume(); // drain: the connection stays usable
          // 404/403/410 will not get better by asking again; 5xx, 408 and 429 might.
          const permanent = res.statusCode < 500 && res.statusCode !== 429 && res.statusCode !== 408;
          throw new AttemptError(`HTTP ${res.statusCode}${url !== url0 ? ` (after redirect to ${url})` : ''}`, permanent);
        }
        announced = Number(res.headers['content-length'] ?? NaN);
        if (Number.isFinite(announced) && announced > a.size) {
          res.body.destroy();
          throw new AttemptError(`server announces ${announced} bytes, expected ${a.size}`, true, { size: announced });
        }
        body = res.body;
      }
      const hash = createHash('sha256');
      let got = 0;
      const fh = await open(tmp, 'w');
      try {
        // Chunks are written in batches of up to 1 MiB: most artifacts are then one writev, and
        // the thread pool (which also runs the fsyncs) is not flooded with 64 KiB writes.
        let batch: Buffer[] = [];
        let batchBytes = 0;
        const flush = async () => {
          const { bytesWritten } = await fh.writev(batch);
          if (bytesWritten !== batchBytes) throw new Error(`short write to ${tmp} (${bytesWritten} of ${batchBytes} bytes)`);
          (batch = []), (batchBytes = 0);
        };
        await eachChunk(body, (chunk) => {
          got += chunk.length;
          // Abort as soon as the body is too long (eachChunk then destroys the connection): a
          // hostile server cannot fill the disk.
          if (got > a.size) throw new AttemptError(`more than the expected ${a.size} bytes; transfer aborted`, true, { size: `more than ${a.size}` });
          hash.update(chunk);
          onBytes(chunk.length);
          batch.push(chunk);
          batchBytes += chunk.length;
          return batchBytes >= 1 << 20 || batch.length >= 256 ? flush() : undefined;
        });
        if (batch.length) await flush();
        if (got < a.size) {
          // A short body is usually a dropped connection: worth a retry, then the next URL.
          if (Number.isFinite(announced) && got < announced) throw new AttemptError(`connection closed after ${got} of ${announced} bytes`, false);
          throw new AttemptError(`got ${got} bytes, expected ${a.size}`, false, { size: got });
        }
        const actual = hash.digest('hex');
        if (actual !== a.sha256) throw new AttemptError(`wrong content: got sha256 ${actual}, ${got} bytes`, true, { sha256: actual, size: got });
        // Verified: onto the disk through the handle that wrote it (no second open), inside the
        // pool slot, which also bounds how many files wait for the disk at once.
        await fh.datasync();
      } finally {
        await fh.close();
      }
      return;
    }
  } catch (e) {
    throw abort.signal.aborted && !(e instanceof AttemptError) ? new AttemptError(String((abort.signal.reason as Error)?.message ?? 'aborted'), false) : e;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Calls `each` on every chunk of `body`, in order, pausing the body while the promise `each` may
 * return is pending. Unlike `for await`, whose read() concatenates the chunks that queued up
 * during an await into one new buffer, flowing mode hands over each chunk as it came. A throw or
 * rejection from `each` destroys the body (and with it the connection) and rejects.
 */
function eachChunk(body: Readable, each: (chunk: Buffer) => Promise<void> | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let pending: Promise<void> | undefined;
    let failed = false;
    const fail = (e: unknown) => {
      if (failed) return;
      failed = true;
      body.off('data', onData);
      body.destroy();
      reject(e);
    };
    const onData = (chunk: Buffer) => {
      try {
        pending = each(chunk);
      } catch (e) {
        return fail(e);
      }
      if (!pending) return;
      body.pause();
      pending.then(
        () => {
          pending = undefined;
          if (!failed) body.resume();
        },
        fail,
      );
    };
    body.on('data', onData);
    finished(body, (err) => {
      if (err) return fail(err);
      // The last chunk's promise may still be running when the body ends.
      (pending ?? Promise.resolve()).then(() => !failed && resolve(), fail);
    });
  });
}

function failureError(failures: Failure[], total: number): ReproError {
  failures.sort((x, y) => (x.artifact.label < y.artifact.label ? -1 : x.artifact.label > y.artifact.label ? 1 : 0));
  const hash = failures.some((f) => f.mismatch);
  const blocks = failures.map((f) => {
    const a = f.artifact;
    const head = `${a.label} (${a.filename}): expected sha256 ${a.sha256}, ${a.size} bytes`;
    return `  ${head}\n${f.tried.map((t) => `    ${t.url}: ${t.error}`).join('\n')}`;
  });
  const msg = `${failures.length} of ${total} artifact(s) could not be downloaded and verified, so none was used:\n${blocks.join('\n')}`;
  return new ReproError(hash ? 'HASH' : 'NETWORK', msg, {
    hint: hash
      ? 'A server sent bytes that differ from the lock. The lock is the authority: try another mirror (--mirror URL); if every source differs, the lock or the archive is wrong.'
      : 'Check the network and URLs, or give another mirror laid out like the archive with --mirror URL.',
    detail: {
      failures: failures.map((f) => ({
        package: f.artifact.label,
        filename: f.artifact.filename,
        expected: { sha256: f.artifact.sha256, size: f.artifact.size },
        actual: f.mismatch,
        attempts: f.tried,
      })),
    },
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
