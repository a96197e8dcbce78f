/**
 * Dockerfile install lines for Fedora, CentOS Stream and other RPM images, with nothing but the
 * image's own sh, base64, rpmkeys and rpm. When the `sha256sum -c` step before them has passed:
 *
 * 1. where the image has rpmkeys and the distro names keys, every file's RPM signature is checked
 *    with those keys (written from the distros/ key files into the step, base64) in a scratch key
 *    database, so the image's own is not touched;
 * 2. one `rpm --upgrade` installs all the files: rpm orders them and replaces what they upgrade or
 *    obsolete, and reads no repository (never `dnf install NAME`, which would resolve again);
 * 3. `rpm --query` must then report every locked package at exactly its EVR and architecture.
 */
import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { loadDistroSync } from '../../core/distros.js';
import type { LockedPackage, Lockfile } from '../../core/lockfile/schema.js';
import { shCommand, shQuote } from '../../core/shell.js';
import type { DockerfileHook } from '../family.js';
import { distroKeyrings, type DnfDistro } from './distro.js';
import { QUERY_FORMAT } from './install.js';
import { parseEvr } from './version.js';

const KEYS = '/tmp/repro-get-rpmkeys';

export const dnfDockerfile: DockerfileHook = {
  // Everything the RUN step changes gets SOURCE_DATE_EPOCH as its mtime at the end (see cleanup).
  prepare: ['t0=$(($(date +%s) - 1))'],

  installFromDir(dir: string, lock: Lockfile): string[] {
    const sorted = [...lock.packages].sort((a, b) => cmp(a.name, b.name) || cmp(a.arch, b.arch));
    const files = sorted.map((p: LockedPackage) => posix.join(dir, posix.basename(p.filename)));
    const { data, release } = loadDistroSync(lock.distro);
    const keys = distroKeyrings(data as DnfDistro, release, lock.architectures[0]).map((k) => readFileSync(k).toString('base64'));
    // The lines rpm prints for QUERY_FORMAT, one per locked package.
    const expect = sorted.map((p) => {
      const evr = parseEvr(p.version);
      return `${p.name} ${evr.epoch} ${evr.version} ${evr.release ?? ''} ${p.arch}`;
    });
    const checkSigs = keys.length
      ? [
          `if command -v rpmkeys >/dev/null; then \\\n` +
            `      rm -rf ${KEYS} && mkdir -p ${KEYS} \\\n` +
            keys.map((k, i) => `      && printf '%s' ${shQuote(k)} | base64 -d >${KEYS}/key-${i}.asc \\\n`).join('') +
            `      && rpmkeys --dbpath ${KEYS} --import ${keys.map((_, i) => `${KEYS}/key-${i}.asc`).join(' ')} \\\n` +
            `      && ${shCommand(`rpmkeys --dbpath ${KEYS} --checksig --define '_pkgverify_level all'`, files)} \\\n` +
            `      && rm -rf ${KEYS}; \\\n` +
            `    else echo "repro-get: no rpmkeys in the image: RPM signatures not checked (sha256 was)" >&2; fi`,
        ]
      : [];
    return [
      ...checkSigs,
      // --replacepkgs: a locked package the image already holds at that version is simply rewritten.
      shCommand('rpm --upgrade --replacepkgs --quiet', files),
      // rpm must now report every locked package at exactly its EVR and architecture.
      `for p in ${expect.map(shQuote).join(' \\\n      ')}; do \\\n` +
        `      n=\${p%% *}; a=\${p##* }; \\\n` +
        `      rpm --query --queryformat ${shQuote(QUERY_FORMAT)} "$n" 2>/dev/null | grep -qxF "$p" \\\n` +
        `      || { echo "repro-get: $n.$a is not installed at its locked version ($p)" >&2; exit 1; }; \\\n` +
        '    done',
    ];
  },

  cleanup: [
    // What rpm and dnf leave besides the packages' files: dnf's caches and logs if the image used
    // dnf before, rpm's transaction lock and the database's -shm/-wal scratch files.
    'rm -rf /var/cache/dnf/* /var/log/dnf*.log /var/log/hawkey.log /var/lib/rpm/.rpm.lock /usr/lib/sysimage/rpm/.rpm.lock',
    // Same tree, same times: what this step changed gets SOURCE_DATE_EPOCH (best effort).
    '{ find / -xdev -newermt "@$t0" -exec touch --no-dereference --date="@$SOURCE_DATE_EPOCH" {} + 2>/dev/null || true; }',
  ],
};

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
