/**
 * `verify` for pacman: re-fetch each locked repository's `<id>.db` (mirror first, then the archive
 * day), re-check every locked package's %PGPSIG% header as `lock` does (Arch signs packages, not
 * databases, so there is no database signature to check), and compare each locked package's
 * sha256, size, file name and signature with its database entry. Never changes the lock.
 */
import type { Lockfile } from '../../core/lockfile/schema.js';
import type { VerifyContext, VerifyReport } from '../family.js';
import { newReport, reportMetadata, reportMissing, reportPackage } from '../verify-report.js';
import { readPacmanDistro } from './distro.js';
import { loadRepo } from './source.js';
import { PacmanTrust } from './trust.js';

export async function verifyPacman(lock: Lockfile, ctx: VerifyContext): Promise<VerifyReport> {
  const d = readPacmanDistro(ctx.distro);
  const trust = await PacmanTrust.load(d.keyrings, ctx.keyrings);
  const report = newReport();
  for (const s of lock.sources) {
    // `store` only decides the fallback URLs a lock writes; verify reads the database alone.
    const loaded = await loadRepo({ id: s.id, url: s.url, mirror: s.mirror, store: false }, ctx.fetcher);
    reportMetadata(report, s, loaded.sha256);
    const byName = new Map(loaded.packages.map((p) => [p.name, p]));
    for (const p of lock.packages.filter((x) => x.source === s.id)) {
      const e = byName.get(p.name);
      if (!e || e.version !== p.version) {
        reportMissing(report, p, e ? [e.version] : []);
        continue;
      }
      // A signer that is unknown, revoked as of the snapshot, or newer than it fails as in lock.
      trust.checkSignatureHeader(e.pgpsig, `${s.id}/${e.name} ${e.version}`, lock.snapshot);
      reportPackage(report, p, { sha256: e.sha256, size: e.csize, filename: e.filename, signature: e.pgpsig });
    }
  }
  return report;
}
