/** Builds the shared fetching stack (Http + cache + Fetcher) from run options. */
import { ContentCache, defaultCacheDir } from '../core/net/cache.js';
import { Fetcher, type FetchLog } from '../core/net/fetcher.js';
import { Http } from '../core/net/http.js';

export interface NetOptions {
  cacheDir?: string;
  /** false: no cache at all (--no-cache). */
  cache?: boolean;
  timeoutMs?: number;
  /** Whole-request bound, so a server trickling bytes under the idle timeout cannot hold us forever. */
  totalTimeoutMs?: number;
  retries?: number;
  backoffMs?: number;
}

export function makeFetcher(opts: NetOptions, log?: FetchLog): { fetcher: Fetcher; http: Http; cache?: ContentCache } {
  const http = new Http({ timeoutMs: opts.timeoutMs, totalTimeoutMs: opts.totalTimeoutMs, retries: opts.retries, backoffMs: opts.backoffMs });
  const cache = opts.cache === false ? undefined : new ContentCache(opts.cacheDir ?? defaultCacheDir());
  return { fetcher: new Fetcher(http, cache, log), http, cache };
}
