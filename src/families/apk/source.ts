/**
 * One apk repository: fetch its APKINDEX.tar.gz (mirror first, then the permanent URL), verify
 * the RSA signature over the index member with the trusted keys (unless the spec marks the
 * repository untrusted), and parse every package. The signature is the only root of trust: the
 * index names package files by the checksum of their control section, which lock.ts then checks.
 */
import type { Fetcher } from '../../core/net/fetcher.js';
import { fetchCheckedRoot } from '../../core/net/root-fallback.js';
import { parseApkIndex, type ApkPackageInfo } from './apkindex.js';
import type { ApkSourcePlan } from './distro.js';
import { readApkIndexFile, type ApkIndexFile } from './index-file.js';
import { loadApkKeys, type ApkKeyring } from './keys.js';

export const INDEX_FILE = 'APKINDEX.tar.gz';

export interface LoadedApkSource {
  plan: ApkSourcePlan;
  index: ApkIndexFile;
  packages: ApkPackageInfo[];
  /** Where the index came from (the mirror when it answered). */
  fetchedFrom: string;
}

/** `pinned`: the index digest a previous lock recorded; a cached copy is used (lock --check offline), still verified. */
export async function loadApkSource(plan: ApkSourcePlan, fetcher: Fetcher, keys: ApkKeyring, pinned?: string): Promise<LoadedApkSource> {
  const bases = plan.mirrorUrl ? [plan.mirrorUrl, plan.url] : [plan.url];
  const what = `${plan.id}: ${INDEX_FILE}`;
  const ring = plan.keys.length ? new Map([...keys, ...(await loadApkKeys(plan.keys))]) : keys;
  // An index that fails its signature or parse moves on to the next URL (the permanent one cures a bad mirror).
  return fetchCheckedRoot(fetcher, bases.map((b) => b + INDEX_FILE), what, (data, url) => {
    const index = readApkIndexFile(data, url, ring, !plan.untrusted);
    // file:line errors also name the URL: the mirror or the permanent URL may have sent the index.
    const packages = parseApkIndex(index.text, `${what} (${url}):APKINDEX`);
    return { plan, index, packages, fetchedFrom: url };
  }, { pinned });
}
