/**
 * APKINDEX names a package by the SHA-1 of its control section (`C:`), not by a digest of the
 * file, so `lock` fetches each chosen .apk once, checks it against the signed index (package-file.ts)
 * and records the file's sha256 and size. Verified files go into the shared content-addressed
 * cache with an alias from their `C:`, so a second lock (and `fetch`/`install`) reads them back
 * without a download; the alias only points at a digest, and the bytes are re-checked on reuse.
 */
import pLimit from 'p-limit';
import { ReproError } from '../../core/errors.js';
import { sha256Hex } from '../../core/hash.js';
import { allInOrder } from '../../core/settled.js';
import type { Fetcher } from '../../core/net/fetcher.js';
import type { ApkKeyring } from './keys.js';
import { verifyApkFile } from './package-file.js';
import type { ApkPackage } from './resolve/universe.js';

export interface ArtifactRequest {
  pkg: ApkPackage;
  /** In the order to try them: mirror, permanent URL. */
  urls: string[];
}

export interface VerifiedArtifact {
  sha256: string;
  size: number;
}

const ALIAS_NS = 'apk-control';
/** Used when the index gives no size (S:); the largest Alpine packages are a few hundred MiB. */
const MAX_APK = 1024 * 1024 * 1024;

const label = (p: ApkPackage): string => `${p.name}-${p.version}.apk`;
const aliasKey = (p: ApkPackage): string => `${p.checksum!.algo}-${p.checksum!.digest.toString('hex')}`;

async function fromCache(fetcher: Fetcher, p: ApkPackage, keys: ApkKeyring): Promise<VerifiedArtifact | undefined> {
  const cache = fetcher.cache;
  const sha = cache && (await cache.readAlias(ALIAS_NS, aliasKey(p)));
  const data = sha ? await cache.read(sha) : undefined;
  if (!data || (p.size !== undefined && data.length !== p.size)) return undefined;
  try {
    verifyApkFile(data, p, `${label(p)} (cached)`, keys);
  } catch {
    return undefined; // an alias to another build: download again
  }
  return { sha256: sha!, size: data.length };
}

async function download(fetcher: Fetcher, req: ArtifactRequest, keys: ApkKeyring): Promise<VerifiedArtifact> {
  const p = req.pkg;
  let firstBad: ReproError | undefined;
  const tried: string[] = []; // each URL's failure, in order
  for (const url of req.urls) {
    let data: Buffer;
    try {
      data = (await fetcher.http.get([url], { what: label(p), expect: p.size !== undefined ? { size: p.size } : undefined, maxBytes: MAX_APK })).data;
    } catch (e) {
      if (!(e instanceof ReproError)) throw e;
      if (e.code === 'HASH') firstBad ??= e;
      tried.push(e.message);
      continue;
    }
    try {
      verifyApkFile(data, p, url, keys);
    } catch (e) {
      if (!(e instanceof ReproError)) throw e;
      firstBad ??= e;
      tried.push(e.message);
      continue;
    }
    const sha256 = sha256Hex(data);
    if (fetcher.cache) {
      await fetcher.cache.write(sha256, data);
      await fetcher.cache.writeAlias(ALIAS_NS, aliasKey(p), sha256);
    }
    return { sha256, size: data.length };
  }
  // Wrong bytes outrank a dead server in the code, but every URL's failure is named.
  if (firstBad) throw tried.length > 1 ? new ReproError(firstBad.code, tried.join('\n'), { hint: firstBad.hint, detail: firstBad.detail }) : firstBad;
  throw new ReproError('NETWORK', `could not download ${label(p)} to record its sha256:\n${tried.join('\n')}`, {
    hint: 'Alpine mirrors delete a package file once it is rebuilt: lock again to pick up the current build, or point --mirror at your own copy of the repository.',
    detail: { what: label(p), urls: req.urls },
  });
}

/** Verified sha256 and size of every requested package, downloading at most `concurrency` at once. */
export async function verifyArtifacts(
  reqs: ArtifactRequest[],
  fetcher: Fetcher,
  keys: ApkKeyring,
  log: (line: string) => void,
  concurrency = 4,
): Promise<Map<ApkPackage, VerifiedArtifact>> {
  const limit = pLimit(concurrency);
  const out = new Map<ApkPackage, VerifiedArtifact>();
  // Every download finishes before we report, and the first failure in request order wins.
  await allInOrder(
    reqs.map((r) =>
      limit(async () => {
        const hit = await fromCache(fetcher, r.pkg, keys);
        if (hit) log(`cached  ${label(r.pkg)}`);
        const v = hit ?? (await download(fetcher, r, keys));
        if (!hit) log(`fetched ${label(r.pkg)} (${v.size} bytes)`);
        out.set(r.pkg, v);
      }),
    ),
  );
  return out;
}
