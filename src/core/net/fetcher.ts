/**
 * Metadata fetching on top of Http + ContentCache: signed roots are always fetched fresh (they are
 * what we verify everything else against), and everything named by a signed digest is looked up in
 * the cache first, so a second lock of the same snapshot downloads only the signed roots.
 */
import { ReproError } from '../errors.js';
import { decompress, type Compression } from '../decompress.js';
import { sha256Hex } from '../hash.js';
import type { ContentCache } from './cache.js';
import type { Http } from './http.js';

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
    private readonly log: FetchLog = () => {},
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
}
