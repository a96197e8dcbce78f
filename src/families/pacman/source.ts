/**
 * One pacman repository: fetch its database `<id>.db` (mirror first, then the snapshot URL) and
 * parse it. Arch does not sign its databases, so the database is fetched as a root file (kept in
 * the cache under its digest, which lets `lock --check` re-resolve offline) and the trust comes
 * from each package's own signature (trust.ts).
 *
 * The parsed form is kept as derived data under the database's digest (parsed-cache.ts): a warm
 * lock reads it back instead of decompressing and parsing 13 MB again. Entries read back pass the
 * same checks as freshly parsed ones, and anything unreadable is simply parsed again.
 */
import { sha256Hex } from '../../core/hash.js';
import type { Fetcher } from '../../core/net/fetcher.js';
import { fetchCheckedRoot } from '../../core/net/root-fallback.js';
import { parseDb } from './db.js';
import type { PacmanPackage } from './desc.js';
import type { RepoPlan } from './distro.js';
import { encodeParsed, PARSED_FORMAT, reviveParsed } from './parsed-cache.js';

/** Arch's largest database (extra.files) is ~60 MB; a .db is a few MB. */
const MAX_DB_DOWNLOAD = 256 * 1024 * 1024;

export interface LoadedRepo {
  plan: RepoPlan;
  /** `<id>.db`, relative to the repository URL. */
  path: string;
  sha256: string;
  size: number;
  packages: PacmanPackage[];
  /** The URL the database came from (the mirror, or the archive day URL after it). */
  url: string;
}

export async function loadRepo(plan: RepoPlan, fetcher: Fetcher, pinned?: string): Promise<LoadedRepo> {
  const path = `${plan.id}.db`;
  const what = `${plan.id}: ${path}`;
  const urls = [...(plan.mirror ? [plan.mirror + path] : []), plan.url + path];
  // A database that does not parse moves on to the next URL (a corrupt mirror, the archive cures it).
  return fetchCheckedRoot(fetcher, urls, what, async (data, url) => {
    const sha256 = sha256Hex(data);
    const key = sha256Hex(`${PARSED_FORMAT}\0${plan.id}\0${sha256}`);
    // Nothing signs the database, so a parse error must say which server sent it (mirror or archive).
    const from = `${what} (${url})`;
    let packages = reviveParsed(await fetcher.cache?.readDerived(key), plan.id, from);
    if (!packages) {
      packages = await parseDb(data, plan.id, from);
      await fetcher.cache?.writeDerived(key, encodeParsed(packages)).catch(() => {}); // a cache is an optimisation
    }
    return { plan, path, sha256, size: data.length, packages, url };
  }, { maxBytes: MAX_DB_DOWNLOAD, pinned });
}
