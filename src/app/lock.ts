/** The lock flow, without printing: spec → family → Lockfile. Used by the CLI and by tests. */
import { loadDistro } from '../core/distros.js';
import type { Lockfile } from '../core/lockfile/schema.js';
import type { Spec } from '../core/spec.js';
import { getFamily } from '../families/index.js';
import { makeFetcher, type NetOptions } from './context.js';
import { checkLockShape, checkRollback } from './rollback.js';

export interface LockRunOptions extends NetOptions {
  now?: Date;
  log?: (line: string) => void;
  /** Source id → signed-root digest to reuse from the cache (lock --check). */
  pinnedRoots?: Map<string, string>;
  /**
   * The lockfile being replaced, and its path: its signed-metadata dates guard against rollback.
   * A function is called only when the new lock has dated metadata (pacman's has none), so an
   * undated lock never pays for parsing the old file.
   */
  previous?: { lock: Lockfile | (() => Promise<Lockfile | undefined>); file: string };
}

export async function lock(spec: Spec, opts: LockRunOptions = {}): Promise<Lockfile> {
  const { data, release } = await loadDistro(spec.distro);
  const family = await getFamily(data.family);
  const log = opts.log ?? (() => {});
  const { fetcher, http } = makeFetcher(opts, (e) => {
    if (e.kind === 'fetch') log(`fetched ${e.what} (${e.bytes} bytes)`);
    else log(`cached  ${e.what}`);
  });
  try {
    const next = await family.lock({ spec, distro: data, release, fetcher, now: opts.now ?? new Date(), log, pinnedRoots: opts.pinnedRoots });
    checkLockShape(next, data.family);
    if (opts.previous && next.sources.some((s) => s.metadata.date)) {
      const old = typeof opts.previous.lock === 'function' ? await opts.previous.lock() : opts.previous.lock;
      checkRollback(old, next, opts.previous.file, spec.snapshot);
    }
    return next;
  } finally {
    await http.close();
  }
}
