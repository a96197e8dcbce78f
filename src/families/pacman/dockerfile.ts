/**
 * Dockerfile install lines for Arch images: `pacman -U --noconfirm` on the verified local files,
 * with nothing but the image's own pacman and coreutils. Never `pacman -S`: it would resolve again
 * against whatever databases the image has. Each package's signature is written beside it as
 * `<file>.sig` (from the lock, base64), so pacman checks it against the image's keyring.
 *
 * The artifact folder may be a read-only mount, so the files are linked into a scratch folder
 * that also holds the signatures, and that folder is removed in the same step.
 */
import { posix } from 'node:path';
import { ReproError } from '../../core/errors.js';
import type { LockedPackage, Lockfile } from '../../core/lockfile/schema.js';
import { shCommand, shQuote } from '../../core/shell.js';
import type { DockerfileHook } from '../family.js';

const STAGE = '/tmp/repro-get-pacman';

export const pacmanDockerfile: DockerfileHook = {
  // Everything the RUN step changes gets SOURCE_DATE_EPOCH as its mtime at the end (see cleanup).
  prepare: ['t0=$(($(date +%s) - 1))'],

  installFromDir(dir: string, lock: Lockfile): string[] {
    const file = (p: LockedPackage) => posix.basename(p.filename);
    const sorted = [...lock.packages].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const p of sorted) if (!p.signature) throw new ReproError('LOCKFILE', `${p.name} has no signature in the lock; pacman packages are installed only with one.`);
    const deps = sorted.filter((p) => !p.requested).map((p) => p.name);
    const expect = sorted.map((p) => `${p.name} ${p.version}`);
    return [
      `rm -rf ${STAGE} && mkdir -p ${STAGE}`,
      ...sorted.map((p) => `ln -s ${shQuote(posix.join(dir, file(p)))} ${shQuote(`${STAGE}/${file(p)}`)}`),
      ...sorted.map((p) => `printf '%s' ${shQuote(p.signature!)} | base64 -d >${shQuote(`${STAGE}/${file(p)}.sig`)}`),
      shCommand('pacman -U --noconfirm --noprogressbar', sorted.map((p) => `${STAGE}/${file(p)}`)),
      ...(deps.length ? [shCommand('pacman -D --asdeps', deps)] : []),
      `rm -rf ${STAGE}`,
      // pacman must now report every locked package at exactly its version.
      `for p in ${expect.map(shQuote).join(' \\\n      ')}; do \\\n` +
        `      v=$(pacman -Q "\${p%% *}" 2>&1) && [ "$v" = "$p" ] \\\n` +
        `      || { echo "repro-get: \${p%% *} is not installed at version \${p#* } (pacman -Q: $v)" >&2; exit 1; }; \\\n` +
        '    done',
    ];
  },

  cleanup: [
    // What pacman leaves besides the packages' files: its download cache (empty for -U, but the
    // base image may hold packages), its log with times, and sync databases if the image has any.
    'rm -rf /var/cache/pacman/pkg/* /var/log/pacman.log /var/lib/pacman/sync/*',
    // Same tree, same times: what this step changed gets SOURCE_DATE_EPOCH (best effort, as apt's).
    '{ find / -xdev -newermt "@$t0" -exec touch --no-dereference --date="@$SOURCE_DATE_EPOCH" {} + 2>/dev/null || true; }',
  ],
};
