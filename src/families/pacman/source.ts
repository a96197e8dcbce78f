/**
 * One pacman repository: fetch its database `<id>.db` (mirror first, then the snapshot URL) and
 * parse it. Arch does not sign its databases, so the database is fetched as a root file (kept in
 * the cache under its digest, which lets `lock --check` re-resolve offline) and the trust comes
 * from each package's own signature (trust.ts).
 */
import { sha256Hex } from '../../core/hash.js';
import type { Fetcher } from '../../core/net/fetcher.js';
import { parseDb } from './db.js';
import type { PacmanPackage } from './desc.js';
import type { RepoPlan } from './distro.js';

/** Arch's largest database (extra.files) is ~60 MB; a .db is a few MB. */
const MAX_DB_DOWNLOAD = 256 * 1024 * 1024;

export interface LoadedRepo {
  plan: RepoPlan;
  /** `<id>.db`, relative to the repository URL. */
  path: string;
  sha256: string;
  size: number;
  packages: PacmanPackage[];
}

export async function loadRepo(plan: RepoPlan, fetcher: Fetcher, pinned?: string): Promise<LoadedRepo> {
  const path = `${plan.id}.db`;
  const urls = [...(plan.mirror ? [plan.mirror + path] : []), plan.url + path];
  const r = await fetcher.fetchRoot(urls, `${plan.id}: ${path}`, MAX_DB_DOWNLOAD, pinned);
  const packages = await parseDb(r.data, plan.id, `${plan.id}: ${path}`);
  return { plan, path, sha256: sha256Hex(r.data), size: r.data.length, packages };
}
