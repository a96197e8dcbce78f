/**
 * Metadata fetching on top of Http + ContentCache: signed roots are always fetched fresh (they are
 * what we verify everything else against), and everything named by a signed digest is looked up in
 * the cache first, so a second lock of the same snapshot downloads only the signed roots.
 */
import { ReproError } from '../errors.js';
import { createHash } from 'node:crypto';
import { open, rm } from 'node:fs/promises';
import { decompress, decompressStream, type Compression } from '../decompress.js';
import { sha256Hex } from '../hash.js';
import type { ContentCache } from './cache.js';
import type { Http } from './http.js';

const BATCH = 1 << 20;

export interface Digest {
  sha256: string;
  size: number;
}

export interface FetchLog {
  (event: { kind: 'fetch' | 'cache-hit'; what: string; url?: string; bytes?: number }): void;
}

export class Fetcher {
  constructor(
    readonly http: Http,
    readonly cache?: ContentCache,
    readonly log: FetchLog = () => {},
  ) {}

  /**
   * A file whose authenticity comes from its own signature (InRelease, repomd.xml): fetched fresh,
   * then kept in the cache under its digest. With `pinned` (the digest a lock recorded), a cached
   * copy is used instead, so `lock --check` can re-resolve offline; the caller still verifies the
   * signature either way.
   */
  async fetchRoot(urls: string[], what: string, maxBytes = 64 * 1024 * 1024, pinned?: string): Promise<{ data: Buffer; url: string }> {
    if (pinned) {
      const hit = await this.cache?.read(pinned);
      if (hit) {
        this.log({ kind: 'cache-hit', what, bytes: hit.length });
        return { data: hit, url: urls[0] };
      }
    }
    const r = await this.http.get(urls, { what, maxBytes });
    this.log({ kind: 'fetch', what, url: r.url, bytes: r.data.length });
    await this.cache?.write(sha256Hex(r.data), r.data);
    return r;
  }

  /** A file named by a signed digest: cache, else download (checked while streaming) and cache. */
  async fetchDigest(urls: string[], digest: Digest, what: string): Promise<{ data: Buffer; url?: string }> {
    const hit = await this.cache?.read(digest.sha256);
    if (hit && hit.length === digest.size) {
      this.log({ kind: 'cache-hit', what, bytes: hit.length });
      return { data: hit };
    }
    const r = await this.http.get(urls, { what, expect: digest });
    this.log({ kind: 'fetch', what, url: r.url, bytes: r.data.length });
    await this.cache?.write(digest.sha256, r.data);
    return r;
  }

  /**
   * A compressed index: returns the verified, decompressed bytes. When the signed metadata also
   * names the uncompressed digest (Debian's Release does), that is checked too and cached, so a
   * warm lock skips decompression entirely.
   */
  async fetchIndex(urls: string[], compressed: Digest, kind: Compression, what: string, uncompressed?: Digest): Promise<{ data: Buffer; url?: string }> {
    if (uncompressed) {
      const hit = await this.cache?.read(uncompressed.sha256);
      if (hit && hit.length === uncompressed.size) {
        this.log({ kind: 'cache-hit', what, bytes: hit.length });
        return { data: hit };
      }
    }
    const raw = await this.fetchDigest(urls, compressed, what);
    const data = await decompress(raw.data, kind, what, uncompressed ? { maxOutput: uncompressed.size } : {});
    if (uncompressed && kind !== 'none') {
      const actual = sha256Hex(data);
      if (data.length !== uncompressed.size || actual !== uncompressed.sha256) {
        throw new ReproError('HASH', `${what}: decompressed content does not match the signed digest: expected ${uncompressed.sha256} (${uncompressed.size} bytes), got ${actual} (${data.length} bytes).`);
      }
      await this.cache?.write(uncompressed.sha256, data);
    }
    return { data, url: raw.url };
  }

  /**
   * Like fetchIndex, but hands the decompressed bytes to `sink` chunk by chunk as they come out of
   * the decompressor (the whole file at once on a cache hit), so a parser works while `xz` still
   * runs, and the output is never held whole: it is hashed and written to the cache as it streams.
   * The compressed bytes were checked against the signed digest before decompression; the
   * uncompressed digest is checked at the end, and the sink's result must not be used if this
   * throws. An error the sink throws is re-thrown only after that check, so a tampered index is
   * reported as a HASH error rather than as whatever the parser made of it.
   */
  async streamIndex(urls: string[], compressed: Digest, kind: Compression, what: string, uncompressed: Digest | undefined, sink: (chunk: Uint8Array) => void): Promise<{ url?: string }> {
    if (uncompressed) {
      const hit = await this.cache?.read(uncompressed.sha256);
      if (hit && hit.length === uncompressed.size) {
        this.log({ kind: 'cache-hit', what, bytes: hit.length });
        sink(hit);
        return {};
      }
    }
    const raw = await this.fetchDigest(urls, compressed, what);
    const check = uncompressed !== undefined && kind !== 'none';
    const hash = createHash('sha256');
    const tmp = check && this.cache ? await this.cache.tempPath() : undefined;
    const fh = tmp ? await open(tmp, 'w') : undefined;
    let writing: Promise<unknown> = Promise.resolve();
    // Written in 1 MiB batches copied out of the chunks: xz's output arrives as ~11 KB views of
    // 64 KiB pipe buffers, and queueing the views themselves pinned ~280 MB until each was written.
    let batch = Buffer.allocUnsafe(BATCH);
    let used = 0;
    const flush = (last: boolean) => {
      const full = last ? batch.subarray(0, used) : batch;
      writing = writing.then(() => fh!.writeFile(full));
      if (!last) batch = Buffer.allocUnsafe(BATCH);
      used = 0;
    };
    let sinkError: unknown;
    let failed = false;
    try {
      const total = await decompressStream(raw.data, kind, what, (c) => {
        if (check) hash.update(c);
        for (let off = 0; fh && off < c.length; ) {
          const n = Math.min(c.length - off, BATCH - used);
          batch.set(c.subarray(off, off + n), used);
          used += n;
          off += n;
          if (used === BATCH) flush(false);
        }
        if (failed) return;
        try {
          sink(c);
        } catch (e) {
          failed = true;
          sinkError = e;
        }
      }, uncompressed ? { maxOutput: uncompressed.size } : {});
      if (fh && used > 0) flush(true);
      await writing;
      if (check) {
        const actual = hash.digest('hex');
        if (total !== uncompressed.size || actual !== uncompressed.sha256) {
          throw new ReproError('HASH', `${what}: decompressed content does not match the signed digest: expected ${uncompressed.sha256} (${uncompressed.size} bytes), got ${actual} (${total} bytes).`);
        }
      }
      if (fh && tmp) {
        await this.cache!.adopt(tmp, uncompressed!.sha256);
      }
    } finally {
      await writing.catch(() => {});
      await fh?.close().catch(() => {});
      if (tmp) await rm(tmp, { force: true });
    }
    if (failed) throw sinkError;
    return { url: raw.url };
  }
}
