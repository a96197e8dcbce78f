/**
 * `verify` for dnf: re-fetch each locked repository's repodata/repomd.xml (and its signature, fetched
 * again rather than taken from the cache), verify it as `lock` does, load the primary it names, and
 * compare every locked package's sha256, size and location with its primary entry. Never changes
 * the lock.
 */
import type { Lockfile } from '../../core/lockfile/schema.js';
import type { VerifyContext, VerifyReport } from '../family.js';
import { newReport, reportMetadata, reportMissing, reportPackage } from '../verify-report.js';
import { distroKeyrings, type DnfDistro, type RepoPlan } from './distro.js';
import { loadRepo } from './source.js';

/**
 * The repository as lock planned it, from what the lock recorded. A distro repository is signed as
 * its data file says; one of the user's own was signed if lock verified a signer for it (the spec's
 * `untrusted:` is not in the lock). Keys: the distro's, plus --keyring (the spec's are not recorded).
 */
function planFromLock(d: DnfDistro, s: Lockfile['sources'][number], keyrings: string[]): RepoPlan {
  const own = d.repos?.[s.id];
  const distroSigned = own ? (own.signedMetadata ?? d.signedMetadata ?? true) : false;
  return {
    id: s.id,
    url: s.url,
    mirror: s.mirror,
    permanent: own?.permanent ?? false,
    priority: own?.priority ?? 99,
    signed: distroSigned || s.metadata.signedBy.length > 0,
    keyrings,
  };
}

export async function verifyDnf(lock: Lockfile, ctx: VerifyContext): Promise<VerifyReport> {
  const d = ctx.distro as DnfDistro;
  const release = lock.distro.split(':', 2)[1] || undefined;
  const keyrings = [...distroKeyrings(d, release, lock.architectures[0]), ...ctx.keyrings];
  const report = newReport();
  for (const s of lock.sources) {
    const loaded = await loadRepo(planFromLock(d, s, keyrings), ctx.fetcher, ctx.now, undefined, { freshSignature: true });
    reportMetadata(report, s, loaded.metadata.sha256);
    const key = (name: string, evr: string, arch: string) => `${name}\0${evr}\0${arch}`;
    const entries = new Map(loaded.packages.map((p) => [key(p.name, p.evr, p.arch), p]));
    for (const p of lock.packages.filter((x) => x.source === s.id)) {
      const e = entries.get(key(p.name, p.version, p.arch));
      if (!e) reportMissing(report, p, loaded.packages.filter((x) => x.name === p.name && x.arch === p.arch).map((x) => x.evr));
      else reportPackage(report, p, { sha256: e.sha256, size: e.size, filename: e.location });
    }
  }
  return report;
}
