/** The apk family adapter (Alpine). */
import type { Family } from '../family.js';
import { apkDockerfile } from './dockerfile.js';
import { lockApk } from './lock.js';
import { verifyApk } from './verify.js';
import { compareApkVersions } from './version.js';

export const apk: Family = {
  name: 'apk',
  compareVersions: compareApkVersions,
  lock: lockApk,
  install: async (plan) => (await import('./install.js')).installApk(plan),
  dockerfile: apkDockerfile,
  verify: verifyApk,
};
