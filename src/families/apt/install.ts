/**
 * The apt family's installer: dpkg on verified local .debs, offline, in an order that honours
 * Pre-Depends (see install-order.ts). apt is never run, so no package lists or archives are left
 * behind and nothing is resolved again: the lock is the whole truth.
 *
 * With root '/', plain `dpkg -i`; with another root, the .debs are placed inside it for the duration
 * and `chroot ROOT dpkg -i` runs the root's own dpkg and maintainer scripts (dpkg --root would run
 * the host's). Afterwards dpkg-query must report every locked package at exactly its version.
 */
import { copyFile, link, mkdir, mkdtemp, realpath, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import { ReproError } from '../../core/errors.js';
import { TOOL_PATH, runTool } from '../../core/run-tool.js';
import type { LockedPackage } from '../../core/lockfile/schema.js';
import type { InstallPlan, InstallReport } from '../family.js';
import { field, type Stanza } from './deb822.js';
import { readDebControl } from './deb-control.js';
import { installOrder, type OrderNode } from './install-order.js';
import { parseProvides, parseRelations } from './relation.js';

const ENV = {
  PATH: TOOL_PATH,
  DEBIAN_FRONTEND: 'noninteractive',
  DEBCONF_NONINTERACTIVE_SEEN: 'true',
  LC_ALL: 'C',
};
// dpkg itself (not debconf) asks about changed conffiles; keep the local file without asking.
const DPKG_FLAGS = ['--force-confdef', '--force-confold'];

export const keyOf = (p: { name: string; arch: string }): string => `${p.name}:${p.arch}`;

export interface Installed {
  version: string;
  /** dpkg's abbreviated status, e.g. "ii" (desired install, state installed, no error). */
  status: string;
}

export async function installApt(plan: InstallPlan): Promise<InstallReport> {
  const { lock, files, root, dryRun, log } = plan;
  const native = lock.architectures[0];
  const controls = new Map<LockedPackage, Stanza>();
  for (const p of lock.packages) {
    const file = files.get(p);
    if (!file) throw new Error(`installer called without a verified file for ${p.name}`); // a bug upstream
    const c = await readDebControl(file);
    const [name, version, arch] = [field(c, 'Package'), field(c, 'Version'), field(c, 'Architecture')];
    // The digest already binds the file to the lock; this catches a lock written wrongly by hand.
    if (name !== p.name || version !== p.version || arch !== p.arch) {
      throw new ReproError('INSTALL', `${p.filename} is ${name} ${version} ${arch}, but the lock says ${p.name} ${p.version} ${p.arch}.`);
    }
    controls.set(p, c);
  }

  const installed = await queryInstalled(root);
  const alreadyInstalled = lock.packages.filter((p) => isInstalledAt(installed.get(keyOf(p)), p.version));
  const todo = lock.packages.filter((p) => !alreadyInstalled.includes(p));
  const order = installOrder(orderNodes(todo, controls, lock.packages, native));
  for (const c of order.cycles) log(`dependency cycle, installed together: ${c.join(' ')}`);
  for (const [a, b] of order.brokenPreDepends) log(`warning: ${a} pre-depends on ${b} inside a cycle; both go in one dpkg call`);
  const byKey = new Map(todo.map((p) => [keyOf(p), p]));
  const batches = order.batches.map((b) => b.map((k) => byKey.get(k)!));
  const report: InstallReport = {
    steps: batches.map((b) => b.map(({ name, version, arch }) => ({ name, version, arch }))),
    alreadyInstalled: alreadyInstalled.map(({ name, version, arch }) => ({ name, version, arch })),
  };
  if (dryRun || !batches.length) return report;

  if (process.getuid?.() !== 0) {
    throw new ReproError('INSTALL', `installing needs root (dpkg${root === '/' ? '' : ' and chroot'}).`, { hint: 'Run as root (in a Dockerfile RUN step you are), or use --dry-run to see the plan.' });
  }
  await addForeignArchitectures(root, todo, native, log);
  const staged = root === '/' ? undefined : await stage(root, files, todo);
  const guard = root === '/' ? undefined : await denyServiceStarts(root);
  try {
    for (const [i, batch] of batches.entries()) {
      log(`dpkg step ${i + 1}/${batches.length}: ${batch.map((p) => `${p.name}=${p.version}`).join(' ')}`);
      const debs = batch.map((p) => (staged ? staged.inRoot.get(p)! : files.get(p)!));
      const cmd = root === '/' ? ['dpkg', ...DPKG_FLAGS, '-i', ...debs] : ['chroot', root, 'dpkg', ...DPKG_FLAGS, '-i', ...debs];
      const r = await run(cmd, log);
      if (r.code !== 0) {
        throw new ReproError('INSTALL', `dpkg failed (exit ${r.code}) installing ${batch.map((p) => p.name).join(', ')}:\n${r.output.split('\n').slice(-40).join('\n')}`, {
          hint: `The system may be partly changed: see \`${root === '/' ? '' : `chroot ${root} `}dpkg --audit\`.`,
        });
      }
    }
  } finally {
    await guard?.();
    await staged?.cleanup();
  }
  await verifyInstalled(root, lock.packages);
  return report;
}

/** Ordering nodes: the lock's `depends` edges plus Depends/Pre-Depends read from each verified .deb. */
export function orderNodes(todo: LockedPackage[], controls: Map<LockedPackage, Stanza>, locked: LockedPackage[], native: string): OrderNode[] {
  const byName = new Map<string, LockedPackage[]>();
  const providers = new Map<string, LockedPackage[]>();
  const add = (m: Map<string, LockedPackage[]>, k: string, p: LockedPackage) => (m.get(k) ?? m.set(k, []).get(k)!).push(p);
  for (const p of locked) {
    add(byName, p.name, p);
    for (const v of parseProvides(field(controls.get(p)!, 'Provides') ?? '', { where: `${p.name} Provides` })) add(providers, v.name, p);
  }
  // A relation names a package (or virtual package) without saying which locked architecture:
  // prefer the depender's own architecture (or arch: all), as dpkg does for Multi-Arch: same.
  const targets = (from: LockedPackage, name: string, archQual?: string): string[] => {
    const cands = byName.get(name) ?? providers.get(name) ?? [];
    const want = archQual && archQual !== 'any' ? (archQual === 'native' ? native : archQual) : from.arch === 'all' ? native : from.arch;
    const same = cands.filter((c) => c.arch === want || c.arch === 'all');
    return (same.length ? same : cands).map(keyOf);
  };
  const relTargets = (p: LockedPackage, f: 'Pre-Depends' | 'Depends') =>
    parseRelations(field(controls.get(p)!, f) ?? '', { arch: p.arch === 'all' ? native : p.arch, where: `${p.name} ${f}` }).flatMap((group) =>
      group.flatMap((r) => targets(p, r.name, r.archQual)),
    );
  return todo.map((p) => ({
    key: keyOf(p),
    preDepends: relTargets(p, 'Pre-Depends'),
    depends: [...relTargets(p, 'Depends'), ...p.depends.flatMap((d) => (d.includes(':') ? [d] : targets(p, d)))],
  }));
}

/**
 * A lock for several architectures (`architectures: [amd64, arm64]`) installs foreign packages;
 * dpkg refuses those until the architecture is added, as `dpkg --add-architecture` does for apt.
 */
async function addForeignArchitectures(root: string, todo: LockedPackage[], native: string, log: (l: string) => void): Promise<void> {
  const wanted = [...new Set(todo.map((p) => p.arch).filter((a) => a !== native && a !== 'all'))].sort();
  if (!wanted.length) return;
  const dpkg = (...args: string[]) => run(root === '/' ? ['dpkg', ...args] : ['chroot', root, 'dpkg', ...args]);
  const known = new Set((await dpkg('--print-foreign-architectures')).stdout.split(/\s+/).filter(Boolean));
  for (const a of wanted.filter((x) => !known.has(x))) {
    log(`dpkg --add-architecture ${a}`);
    const r = await dpkg('--add-architecture', a);
    if (r.code !== 0) throw new ReproError('INSTALL', `dpkg --add-architecture ${a} failed: ${r.output.trim()}`);
  }
}

/** dpkg's view of the root: `name:arch` → version and status. */
export async function queryInstalled(root: string): Promise<Map<string, Installed>> {
  const fmt = '${Package} ${Version} ${Architecture} ${db:Status-Abbrev}\\n';
  // The root's own dpkg-query when we can chroot into it; else (a non-root --dry-run, a bare tree)
  // the host's reads the same database through --admindir.
  const chrootable = process.getuid?.() === 0 && (await stat(join(root, 'usr/bin/dpkg-query')).then(() => true, () => false));
  const cmd =
    root === '/' ? ['dpkg-query', '-W', '-f', fmt]
    : chrootable ? ['chroot', root, 'dpkg-query', '-W', '-f', fmt]
    : ['dpkg-query', `--admindir=${join(root, 'var/lib/dpkg')}`, '-W', '-f', fmt];
  const r = await run(cmd);
  if (r.code !== 0) throw new ReproError('INSTALL', `cannot read the package database of ${root} (${cmd.join(' ')}): ${r.output.trim()}`);
  const out = new Map<string, Installed>();
  for (const line of r.stdout.split('\n')) {
    const m = /^(\S+) (\S*) (\S*) (\S+)\s*$/.exec(line);
    if (m) out.set(`${m[1]}:${m[3]}`, { version: m[2], status: m[4] });
  }
  return out;
}

const isInstalledAt = (i: Installed | undefined, version: string): boolean => !!i && i.version === version && i.status === 'ii';

/** Every locked package installed, at exactly its version, without dpkg error flags. */
export async function verifyInstalled(root: string, locked: LockedPackage[]): Promise<void> {
  const now = await queryInstalled(root);
  const wrong = locked.flatMap((p) => {
    const i = now.get(keyOf(p));
    if (isInstalledAt(i, p.version)) return [];
    return [`  ${p.name}:${p.arch}: locked ${p.version}, ${i ? `found ${i.version || '(none)'} with status ${i.status}` : 'not installed'}`];
  });
  if (wrong.length) {
    throw new ReproError('INSTALL', `after installing, ${wrong.length} package(s) differ from the lock:\n${wrong.join('\n')}`, {
      hint: 'A maintainer script or a base-system package may have changed things; the lock was not fully applied.',
    });
  }
}

/**
 * Puts the .debs inside the root for `chroot … dpkg -i` (hard links when the cache is on the same
 * file system), under var/cache/repro-get, and removes them (and that folder, if we made it) after.
 */
async function stage(root: string, files: Map<LockedPackage, string>, todo: LockedPackage[]) {
  const realRoot = await realpath(root);
  const parent = join(realRoot, 'var/cache/repro-get');
  const made = !(await stat(parent).then(() => true, () => false));
  await mkdir(parent, { recursive: true });
  // A symlink planted in the root must not make us write outside it.
  if (!(await realpath(parent)).startsWith(realRoot + sep)) throw new ReproError('INSTALL', `${parent} leads outside ${root}; refusing to stage packages there.`);
  const dir = await mkdtemp(join(parent, 'install-'));
  const inRoot = new Map<LockedPackage, string>();
  const cleanup = async () => {
    await rm(dir, { recursive: true, force: true });
    if (made) await rmdir(parent).catch(() => {});
  };
  try {
    for (const p of todo) {
      const dest = join(dir, `${p.sha256.slice(0, 12)}-${basename(p.filename)}`);
      await link(files.get(p)!, dest).catch(() => copyFile(files.get(p)!, dest));
      inRoot.set(p, '/' + relative(realRoot, dest));
    }
  } catch (e) {
    await cleanup();
    throw e;
  }
  return { inRoot, cleanup };
}

/**
 * Inside a chroot, an init script started by a maintainer script would run a daemon on the host.
 * policy-rc.d exit 101 ("action forbidden") is how Debian tells invoke-rc.d not to; it is removed
 * afterwards, and a policy the root already has is left alone.
 */
async function denyServiceStarts(root: string): Promise<() => Promise<void>> {
  const p = join(root, 'usr/sbin/policy-rc.d');
  if (await stat(p).then(() => true, () => false)) return async () => {};
  await mkdir(join(root, 'usr/sbin'), { recursive: true });
  await writeFile(p, '#!/bin/sh\n# written by repro-get install for the duration of the install\nexit 101\n', { mode: 0o755 });
  return () => rm(p, { force: true });
}

/** dpkg and friends with the install environment (core/run-tool.ts). */
function run(cmd: string[], log?: (line: string) => void) {
  return runTool(cmd, { env: { ...process.env, ...ENV } as Record<string, string>, log, hint: cmd[0].startsWith('dpkg') ? 'The apt installer needs dpkg (a Debian or Ubuntu system).' : undefined });
}
