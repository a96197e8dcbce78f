/** `verify` flow: hand the lock to its family's verifier with a fresh (uncached-root) fetcher. */
import { ReproError } from '../core/errors.js';
import { loadDistro } from '../core/distros.js';
import { readLockfile } from '../core/lockfile/read.js';
import type { VerifyReport } from '../families/family.js';
import { getFamily } from '../families/index.js';
import { makeFetcher, type NetOptions } from './context.js';

export async function verifyLock(lockPath: string, opts: NetOptions & { keyrings?: string[]; now?: Date; log?: (l: string) => void }): Promise<VerifyReport> {
  const lock = await readLockfile(lockPath);
  const { data } = await loadDistro(lock.distro);
  const family = await getFamily(data.family);
  if (!family.verify) throw new ReproError('USAGE', `verify is not available for the ${family.name} family yet.`);
  const { fetcher, http } = makeFetcher(opts, (e) => opts.log?.(`${e.kind === 'fetch' ? 'fetched' : 'cached '} ${e.what}`));
  try {
    return await family.verify(lock, { distro: data, fetcher, keyrings: opts.keyrings ?? [], now: opts.now ?? new Date() });
  } finally {
    await http.close();
  }
}
