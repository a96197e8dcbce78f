/**
 * Spec package requests as apk world entries. apk names may hold a colon (`cmd:bash`,
 * `so:libz.so.1`, `pc:zlib`), which the spec's generic `name:arch` syntax splits off; apk has no
 * multi-arch, so a suffix that is not an architecture of the distro is put back into the name,
 * and one that is must be the architecture being locked. `name=version` is apk's `=` pin.
 */
import { ReproError } from '../../core/errors.js';
import type { PackageRequest } from '../../core/spec.js';
import type { WorldEntry } from './resolve/index.js';

export function worldFromRequests(packages: PackageRequest[], arch: string, knownArchs: string[]): WorldEntry[] {
  return packages.map((p) => {
    let name = p.name;
    if (p.arch !== undefined) {
      if (!knownArchs.includes(p.arch)) name = `${p.name}:${p.arch}`;
      else if (p.arch !== arch) {
        throw new ReproError('ARCH', `"${p.raw}": this lock is for ${arch}; apk installs one architecture per system, so lock ${p.arch} separately.`);
      }
    }
    return { dep: p.version === undefined ? { name, conflict: false } : { name, op: '=', version: p.version, conflict: false }, raw: p.raw };
  });
}
