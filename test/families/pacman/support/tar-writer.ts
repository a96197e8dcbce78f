/** pacman database entries for tests, written with the shared ustar writer. */
import type { TarFile } from '../../../support/tar-writer.js';

export { writeTar, type TarFile } from '../../../support/tar-writer.js';

/** A desc file from field → values. */
export function desc(fields: Record<string, string | string[]>): string {
  return Object.entries(fields).map(([k, v]) => `%${k}%\n${(Array.isArray(v) ? v : [v]).join('\n')}\n`).join('\n');
}

/** A one-package database entry with sensible defaults. */
export function entry(name: string, version: string, extra: Record<string, string | string[]> = {}): TarFile[] {
  const d = desc({ FILENAME: `${name}-${version}-x86_64.pkg.tar.zst`, NAME: name, VERSION: version, CSIZE: '100', SHA256SUM: 'a'.repeat(64), ARCH: 'x86_64', ...extra });
  return [{ path: `${name}-${version}/`, type: '5' }, { path: `${name}-${version}/desc`, data: d }];
}
