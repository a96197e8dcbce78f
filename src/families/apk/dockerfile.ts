/**
 * Dockerfile install lines for Alpine images, with nothing but the image's own busybox and apk:
 * `sha256sum -c` (busybox) has already re-checked every file when these run; one
 * `apk add --no-network` installs them all, checking each package's signature with the image's
 * /etc/apk/keys; no repository is read and no cache kept. Then the installed database must list
 * every locked package at its exact version.
 */
import { posix } from 'node:path';
import type { LockedPackage, Lockfile } from '../../core/lockfile/schema.js';
import { shCommand, shQuote } from '../../core/shell.js';
import type { DockerfileHook } from '../family.js';
import { INSTALLED_DB } from './install.js';

const STAMP = '/tmp/.repro-get-t0';

export const apkDockerfile: DockerfileHook = {
  // A file to compare times against (busybox find has -newer FILE, not -newermt), one second old
  // because -newer compares whole seconds.
  prepare: [`touch -d "@$(($(date +%s) - 1))" ${STAMP}`],

  installFromDir(dir: string, lock: Lockfile): string[] {
    const file = (p: LockedPackage) => posix.join(dir, posix.basename(p.filename));
    const files = [...lock.packages].sort((a, b) => cmp(a.name, b.name)).map(file);
    const expect = [...lock.packages].sort((a, b) => cmp(a.name, b.name)).map((p) => `${p.name}=${p.version}`);
    return [
      shCommand('apk --repositories-file /dev/null --no-cache add --no-network', files),
      // apk writes each package as C:, P:, V:, … in the installed database: the line after P:name is V:version.
      `for p in ${expect.map(shQuote).join(' \\\n      ')}; do \\\n` +
        `      grep -A1 -x "P:\${p%%=*}" /${INSTALLED_DB} | grep -qx "V:\${p#*=}" \\\n` +
        `      || { echo "repro-get: \${p%%=*} is not installed at version \${p#*=}" >&2; exit 1; }; \\\n` +
        '    done',
    ];
  },

  cleanup: [
    // apk keeps no log; its index cache is the only thing left besides the packages' own files.
    'rm -rf /var/cache/apk/*',
    // Same tree, same times: what this step changed gets SOURCE_DATE_EPOCH (busybox touch takes
    // -d @SECONDS). Best effort, in braces: a bare `|| true` would swallow every earlier failure.
    `{ find / -xdev -newer ${STAMP} -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} + 2>/dev/null || true; }`,
    `rm -f ${STAMP}`,
    'touch -d "@$SOURCE_DATE_EPOCH" /tmp',
  ],
};

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
