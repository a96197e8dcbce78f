/**
 * `verify` for apk: re-fetch each locked repository's APKINDEX.tar.gz, verify its RSA signature as
 * `lock` does, and compare every locked package with its index entry. The index names a file by
 * the checksum of its control section (`C:`), not by a sha256, so the sha256 is confirmed the way
 * lock obtained it: the file (from the cache through its `C:` alias, else downloaded) must match
 * `C:` and `datahash`, and its sha256 must be the locked one. Never changes the lock.
 */
import pLimit from 'p-limit';
import { distroPath } from '../../core/distros.js';
import { ReproError } from '../../core/errors.js';
import type { Lockfile } from '../../core/lockfile/schema.js';
import type { Fetcher } from '../../core/net/fetcher.js';
import type { VerifyContext, VerifyReport } from '../family.js';
import { newReport, packageLabel, reportMetadata, reportMissing, reportPackage } from '../verify-report.js';
import type { ApkPackageInfo } from './apkindex.js';
import { verifyArtifacts, type VerifiedArtifact } from './artifacts.js';
import { branchOf, readApkDistro, type ApkDistro, type ApkSourcePlan } from './distro.js';
import { loadApkKeys, type ApkKeyring } from './keys.js';
import { ApkPackage } from './resolve/universe.js';
import { loadApkSource } from './source.js';

/**
 * The repository as lock planned it, from the lock. The distro's own repositories always need a
 * valid signature; one of the user's own was `untrusted: true` exactly when lock recorded no signer.
 */
function planFromLock(d: ApkDistro, release: string | undefined, s: Lockfile['sources'][number], index: number): ApkSourcePlan {
  const prefix = release ? `${d.name}/${branchOf(d, release)}/` : undefined;
  const distroRepo = !!prefix && s.id.startsWith(prefix) && (d.knownRepositories ?? d.repositories).includes(s.id.slice(prefix.length));
  return { id: s.id, index, url: s.url, mirrorUrl: s.mirror, untrusted: !distroRepo && s.metadata.signedBy.length === 0, keys: [] };
}

export async function verifyApk(lock: Lockfile, ctx: VerifyContext): Promise<VerifyReport> {
  const d = readApkDistro(ctx.distro);
  const release = lock.distro.split(':', 2)[1] || undefined;
  const keys = await loadApkKeys([...d.keys.map(distroPath), ...ctx.keyrings]);
  const report = newReport();
  const limit = pLimit(4);
  for (const [i, s] of lock.sources.entries()) {
    const plan = planFromLock(d, release, s, i);
    const loaded = await loadApkSource(plan, ctx.fetcher, keys);
    reportMetadata(report, s, loaded.index.sha256);
    const entries = new Map<string, ApkPackageInfo>(loaded.packages.map((p) => [`${p.name}\0${p.version}`, p]));
    const locked = lock.packages.filter((x) => x.source === s.id);
    // Every file is confirmed before any result is reported, so the report keeps the lock's order.
    const files = await Promise.all(
      locked.map((p) => {
        const e = entries.get(`${p.name}\0${p.version}`);
        return e ? limit(() => confirmFile(new ApkPackage(e, 0, i, s.id, false), plan, ctx.fetcher, keys)) : undefined;
      }),
    );
    locked.forEach((p, j) => {
      const e = entries.get(`${p.name}\0${p.version}`);
      const f = files[j];
      if (!e || !f) return reportMissing(report, p, loaded.packages.filter((x) => x.name === p.name).map((x) => x.version));
      if ('problem' in f) {
        report.checked++;
        report.problems.push({ what: packageLabel(p), expected: `${p.sha256} (${p.size} bytes)`, actual: '(no file matching the signed index)', note: f.problem });
        return;
      }
      reportPackage(report, p, { sha256: f.sha256, size: e.size ?? f.size, filename: `${e.name}-${e.version}.apk` });
    });
  }
  return report;
}

/**
 * The verified sha256 of the file the index entry names, or why none could be had (gone from the
 * mirror, or bytes that do not match `C:`). A signature failure stops verify, as it stops lock.
 */
async function confirmFile(pkg: ApkPackage, plan: ApkSourcePlan, fetcher: Fetcher, keys: ApkKeyring): Promise<VerifiedArtifact | { problem: string }> {
  const file = `${pkg.name}-${pkg.version}.apk`;
  const urls = [...(plan.mirrorUrl ? [plan.mirrorUrl + file] : []), plan.url + file];
  try {
    return (await verifyArtifacts([{ pkg, urls }], fetcher, keys, () => {})).get(pkg)!;
  } catch (e) {
    if (e instanceof ReproError && e.code !== 'SIGNATURE') return { problem: e.message };
    throw e;
  }
}
