/**
 * `verify` for apt: re-fetch and re-verify each source's signed Release at its snapshot URL (or
 * mirror), reload the index files the lock names, and compare every locked package's sha256 and
 * size with the signed index entry. Reports; never changes the lock.
 */
import { distroPath } from '../../core/distros.js';
import type { Lockfile } from '../../core/lockfile/schema.js';
import { Keyring } from '../../core/trust/openpgp.js';
import type { VerifyContext, VerifyReport } from '../family.js';
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
  const report: VerifyReport = { checked: 0, problems: [] };
  for (const s of lock.sources) {
    const loaded = await loadAptSource(planFromLock(lock, s), ctx.fetcher, keyring);
    if (loaded.metadata.sha256 !== s.metadata.sha256) {
      report.problems.push({ what: `${s.id}: ${loaded.metadata.path}`, expected: s.metadata.sha256, actual: loaded.metadata.sha256, note: 'the signed metadata at this URL changed since the lock was made (a snapshot URL should never change)' });
    }
    const entries = new Map(loaded.packages.map((p) => [`${p.name}\0${p.version}\0${p.arch}`, p]));
    for (const p of lock.packages.filter((x) => x.source === s.id)) {
      report.checked++;
      const e = entries.get(`${p.name}\0${p.version}\0${p.arch}`);
      const what = `${p.name} ${p.version} ${p.arch}`;
      if (!e) report.problems.push({ what, expected: p.sha256, actual: '(not in the signed index)', note: `no longer listed in ${s.id}` });
      else if (e.sha256 !== p.sha256 || e.size !== p.size || e.filename !== p.filename) {
        report.problems.push({ what, expected: `${p.sha256} (${p.size} bytes, ${p.filename})`, actual: `${e.sha256} (${e.size} bytes, ${e.filename})` });
      }
    }
  }
  return report;
}
