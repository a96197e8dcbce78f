/** The apt family adapter (Debian, Ubuntu). */
import type { DistroData } from '../../core/distros.js';
import type { LockedPackage } from '../../core/lockfile/schema.js';
import type { Family } from '../family.js';
import { compareDebVersions } from './version.js';
import { lockApt } from './lock.js';
import { verifyApt } from './verify.js';
import { aptDockerfile } from './dockerfile.js';

export const apt: Family = {
  name: 'apt',
  compareVersions: compareDebVersions,
  lock: lockApt,
  changelogUrl: changelogUrl,
  verify: verifyApt,
  dockerfile: aptDockerfile,
  install: async (plan) => (await import('./install.js')).installApt(plan),
};

/** The distro's `changelog` template with {source}: the source package is the pool folder name. */
export function changelogUrl(p: LockedPackage, distro: DistroData): string | undefined {
  const t = distro.changelog;
  const m = /^pool\/[^/]+\/[^/]+\/([^/]+)\//.exec(p.filename);
  return typeof t === 'string' && m ? t.replaceAll('{source}', m[1]) : undefined;
}
