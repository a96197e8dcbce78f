/**
 * `verify` for apt: re-fetch and re-verify each source's signed Release at its snapshot URL (or
 * mirror), reload the index files the lock names, and compare every locked package's sha256 and
 * size with the signed index entry. Reports; never changes the lock.
 */
import { distroPath } from '../../core/distros.js';
import type { Lockfile } from '../../core/lockfile/schema.js';
import { Keyring } from '../../core/trust/openpgp.js';
import type { VerifyContext, VerifyReport } from '../family.js';
import { newReport, reportMetadata, reportMissing, reportPackage } from '../verify-report.js';
import type { AptDistro } from './distro.js';
import { loadAptSource, type AptSourcePlan } from './source.js';

/** Rebuilds a source plan from what the lock recorded (suite, components and arches from index paths). */
function planFromLock(lock: Lockfile, s: Lockfile['sources'][number]): AptSourcePlan {
  const [archive, ...rest] = s.id.split('/');
  const suite = rest.join('/');
  const comps = new Set<string>();
  const arches = new Set<string>();
  for (const ix of s.indexes) {
    const m = /^dists\/[^]+?\/([^/]+)\/binary-([^/]+)\/Packages/.exec(ix.path);
    if (m) (comps.add(m[1]), arches.add(m[2]));
  }
  return { id: s.id, archive, suite, snapshotUrl: s.url, mirrorUrl: s.mirror, components: [...comps], architectures: arches.size ? [...arches] : lock.architectures };
}

export async function verifyApt(lock: Lockfile, ctx: VerifyContext): Promise<VerifyReport> {
  const d = ctx.distro as AptDistro;
  const keyring = await Keyring.fromFiles([...d.keyrings.map(distroPath), ...ctx.keyrings]);
  const report = newReport();
  for (const s of lock.sources) {
    const loaded = await loadAptSource(planFromLock(lock, s), ctx.fetcher, keyring);
    reportMetadata(report, s, loaded.metadata.sha256);
    const entries = new Map(loaded.packages.map((p) => [`${p.name}\0${p.version}\0${p.arch}`, p]));
    for (const p of lock.packages.filter((x) => x.source === s.id)) {
      const e = entries.get(`${p.name}\0${p.version}\0${p.arch}`);
      if (!e) reportMissing(report, p);
      else reportPackage(report, p, { sha256: e.sha256, size: e.size, filename: e.filename });
    }
  }
  return report;
}
