/** Family registry: the only place that knows every family. Loaded lazily to keep startup fast. */
import { ReproError } from '../core/errors.js';
import type { Family, FamilyName } from './family.js';

export const FAMILY_NAMES: FamilyName[] = ['apt', 'dnf', 'apk', 'pacman'];

export async function getFamily(name: string): Promise<Family> {
  switch (name) {
    case 'apt':
      return (await import('./apt/index.js')).apt;
    case 'apk':
      return (await import('./apk/index.js')).apk;
    case 'dnf':
      return (await import('./dnf/index.js')).dnf;
    case 'pacman':
      return (await import('./pacman/index.js')).pacman;
    default:
      throw new ReproError('USAGE', `the ${name} family is not available in this version of repro-get (available: apt, apk, dnf, pacman).`);
  }
}

/** Version comparison for every family, including those whose lock is not available yet. */
export async function versionComparator(name: string): Promise<(a: string, b: string) => number> {
  switch (name) {
    case 'apt':
    case 'deb':
    case 'dpkg':
      return (await import('./apt/version.js')).compareDebVersions;
    case 'rpm':
    case 'dnf':
      return (await import('./dnf/version.js')).compareEvrTotal;
    case 'apk':
      return (await import('./apk/version.js')).compareApkVersions;
    case 'pacman':
    case 'alpm':
      return (await import('./pacman/version.js')).vercmp;
    default:
      throw new ReproError('USAGE', `unknown family "${name}" (known: apt, rpm, apk, pacman).`);
  }
}
