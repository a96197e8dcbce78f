/**
 * Dockerfile install lines for apt images: `dpkg --install` of the verified local .debs in
 * dependency order, with nothing but the image's own dpkg. Never apt-get: it would resolve again
 * (and could pick other versions or pull more packages); the lock is the whole truth.
 *
 * The order comes from the lock's `depends` edges through the installer's own installOrder. The
 * lock does not say which edges are Pre-Depends (the installer reads that from the .debs, which do
 * not exist when the Dockerfile is written), so every edge is treated as one: each package goes in
 * a later dpkg call than what it depends on, and only dependency cycles share a call. That is
 * stricter than needed, never wrong: a few more dpkg calls.
 */
import { posix } from 'node:path';
import { ReproError } from '../../core/errors.js';
import type { LockedPackage, Lockfile } from '../../core/lockfile/schema.js';
import { shCommand, shQuote } from '../../core/shell.js';
import type { DockerfileHook } from '../family.js';
import { installOrder } from './install-order.js';

const keyOf = (p: { name: string; arch: string }): string => `${p.name}:${p.arch}`;

/** Packages in dpkg batches: one `dpkg --install` per batch, batches in order. */
export function dockerInstallBatches(lock: Lockfile): LockedPackage[][] {
  const native = lock.architectures[0];
  const byKey = new Map<string, LockedPackage>();
  const byName = new Map<string, LockedPackage[]>();
  for (const p of lock.packages) {
    if (byKey.has(keyOf(p))) throw new ReproError('LOCKFILE', `${keyOf(p)} is locked twice; dpkg can hold only one version of it.`);
    byKey.set(keyOf(p), p);
    (byName.get(p.name) ?? byName.set(p.name, []).get(p.name)!).push(p);
  }
  // A `depends` entry without an architecture means the depender's own (or arch: all), as for
  // Multi-Arch: same; names not in the lock are the base system's, already installed.
  const targets = (from: LockedPackage, dep: string): string[] => {
    if (dep.includes(':')) return [dep];
    const cands = byName.get(dep) ?? [];
    const want = from.arch === 'all' ? native : from.arch;
    const same = cands.filter((c) => c.arch === want || c.arch === 'all');
    return (same.length ? same : cands).map(keyOf);
  };
  const order = installOrder(lock.packages.map((p) => ({ key: keyOf(p), preDepends: p.depends.flatMap((d) => targets(p, d)), depends: [] })));
  return order.batches.map((b) => b.map((k) => byKey.get(k)!));
}

export const aptDockerfile: DockerfileHook = {
  // Everything the RUN step changes gets SOURCE_DATE_EPOCH as its mtime at the end (see cleanup);
  // one second of slack because file times come from a coarser clock than `date`.
  prepare: ['t0=$(($(date +%s) - 1))'],

  installFromDir(dir: string, lock: Lockfile): string[] {
    const native = lock.architectures[0];
    const foreign = [...new Set(lock.packages.map((p) => p.arch))].filter((a) => a !== 'all' && a !== native).sort();
    const file = (p: LockedPackage) => posix.join(dir, posix.basename(p.filename));
    const expect = [...lock.packages].sort((a, b) => cmp(keyOf(a), keyOf(b))).map((p) => `${keyOf(p)}=${p.version}`);
    return [
      // The same environment as `repro-get install`: no debconf questions, keep local conffiles.
      'export DEBIAN_FRONTEND=noninteractive DEBCONF_NONINTERACTIVE_SEEN=true',
      ...foreign.map((a) => `dpkg --add-architecture ${shQuote(a)}`),
      ...dockerInstallBatches(lock).map((b) => shCommand('dpkg --force-confdef --force-confold --install', b.map(file))),
      // dpkg must now report every locked package at exactly its version with status "ii".
      `for p in ${expect.map(shQuote).join(' \\\n      ')}; do \\\n` +
        `      v=$(dpkg-query -W -f '\${Version} \${db:Status-Abbrev}' "\${p%%=*}") && [ "$v" = "\${p#*=} ii " ] \\\n` +
        `      || { echo "repro-get: \${p%%=*} is not installed at version \${p#*=} (dpkg-query: $v)" >&2; exit 1; }; \\\n` +
        '    done',
    ];
  },

  cleanup: [
    // What dpkg, its triggers and maintainer scripts write besides the packages' files: logs with
    // times, backups of its database (*-old), debconf's backups, ldconfig's inode cache; and apt's
    // lists and caches, in case the base image has them. The directories stay (apt needs them).
    'rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/* ' +
      '/var/log/dpkg.log /var/log/alternatives.log /var/log/apt/* /var/lib/dpkg/*-old /var/cache/debconf/*-old /var/cache/ldconfig/aux-cache',
    // Same tree, same times: what this step changed gets SOURCE_DATE_EPOCH. Best effort (|| true):
    // read-only mounts and the files the builder mounts in (/etc/hosts, …) cannot be touched, and
    // the layer holds none of them anyway. Braces: a bare `|| true` would swallow every failure
    // before it in the && chain.
    '{ find / -xdev -newermt "@$t0" -exec touch --no-dereference --date="@$SOURCE_DATE_EPOCH" {} + 2>/dev/null || true; }',
  ],
};

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
