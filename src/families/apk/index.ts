/** The apk family adapter (Alpine). */
import type { Family } from '../family.js';
import { compareApkVersions } from './version.js';
import { lockApk } from './lock.js';

export const apk: Family = {
  name: 'apk',
  compareVersions: compareApkVersions,
  lock: lockApk,
};
