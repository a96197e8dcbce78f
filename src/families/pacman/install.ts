/**
 * The pacman family's installer: every verified file is first checked against its locked
 * signature (the Arch keyring as of the lock's snapshot, at the signature's creation time), then
 * `pacman -U --noconfirm` installs them in one transaction, offline, with each `.sig` beside its
 * package so pacman checks it against the system's own keyring too. Nothing is resolved again:
 * pacman -U never reaches for a repository. Packages the lock pulled in as dependencies are then
 * marked `--asdeps`, as `pacman -S` would have; afterwards `pacman -Q` must report every locked
 * package at exactly its version.
 *
 * Root '/': this system's pacman. Another root holding its own pacman (an Arch tree): the files
 * are staged inside it and `chroot ROOT pacman -U` runs that pacman and its hooks. A root without
 * one: this machine's pacman with --root/--dbpath pointed into it (scriptlets still run chrooted).
 */
import { access, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { loadDistro } from '../../core/distros.js';
import { ReproError } from '../../core/errors.js';
import { runTool } from '../../core/run-tool.js';
import type { LockedPackage } from '../../core/lockfile/schema.js';
import type { InstallPlan, InstallReport } from '../family.js';
import { readPacmanDistro } from './distro.js';
import { PacmanTrust, loadKeyring, verifyPackageFile } from './trust.js';


interface Runner {
  /** The pacman command prefix for this root. */
  pacman: string[];
  /** Where staged files are written, and how pacman sees that folder. */
  stage: () => Promise<{ dir: string; seenAs: string; cleanup: () => Promise<void> }>;
}

async function exists(p: string): Promise<boolean> {
  return access(p).then(
    () => true,
    () => false,
  );
}

async function runnerFor(root: string): Promise<Runner> {
  const tmp = async (parent: string, inRoot: string) => {
    await mkdir(parent, { recursive: true });
    const dir = await mkdtemp(join(parent, 'repro-get-pacman-'));
    return { dir, seenAs: inRoot ? join(inRoot, basename(dir)) : dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
  };
  if (root === '/') return { pacman: ['pacman'], stage: () => tmp('/tmp', '') };
  if (await exists(join(root, 'usr/bin/pacman'))) {
    return { pacman: ['chroot', root, 'pacman'], stage: () => tmp(join(root, 'tmp'), '/tmp') };
  }
  const opts = ['--root', root, '--dbpath', join(root, 'var/lib/pacman'), '--cachedir', join(root, 'var/cache/pacman/pkg'), '--logfile', join(root, 'var/log/pacman.log'), '--gpgdir', join(root, 'etc/pacman.d/gnupg'), '--hookdir', join(root, 'etc/pacman.d/hooks')];
  if (await exists(join(root, 'etc/pacman.conf'))) opts.push('--config', join(root, 'etc/pacman.conf'));
  return { pacman: ['pacman', ...opts], stage: () => tmp('/tmp', '') };
}

export async function installPacman(plan: InstallPlan): Promise<InstallReport> {
  const { lock, files, root, dryRun, log } = plan;
  const { data } = await loadDistro(lock.distro);
  // The distro's keyring copies plus the user's own keys (a repository signed by its own packager).
  const trust = await PacmanTrust.load(readPacmanDistro(data).keyrings, plan.keyrings ?? []);
  const keyring = await loadKeyring(trust);
  for (const p of lock.packages) {
    const file = files.get(p);
    if (!file) throw new Error(`installer called without a verified file for ${p.name}`); // a bug upstream
    if (!p.signature) throw new ReproError('SIGNATURE', `${p.filename}: the lock records no signature; pacman packages are installed only with one.`);
    await verifyPackageFile(await readFile(file), p.signature, keyring, trust, lock.snapshot, p.filename);
  }
  log(`verified ${lock.packages.length} package signature(s) against the keyring as of ${lock.snapshot.slice(0, 10)}`);

  const runner = await runnerFor(root);
  const before = await queryInstalled(runner, root);
  const alreadyInstalled = lock.packages.filter((p) => before.get(p.name) === p.version);
  const todo = lock.packages.filter((p) => !alreadyInstalled.includes(p));
  const brief = (p: LockedPackage) => ({ name: p.name, version: p.version, arch: p.arch });
  const report: InstallReport = { steps: todo.length ? [todo.map(brief)] : [], alreadyInstalled: alreadyInstalled.map(brief) };
  if (dryRun || !todo.length) return report;
  if (process.getuid?.() !== 0) {
    throw new ReproError('INSTALL', 'installing needs root (pacman -U).', { hint: 'Run as root (in a Dockerfile RUN step you are), or use --dry-run to see the plan.' });
  }

  const staged = await runner.stage();
  try {
    const args: string[] = [];
    for (const p of todo) {
      const name = basename(p.filename);
      await symlinkOrCopy(files.get(p)!, join(staged.dir, name), runner.pacman[0] === 'chroot');
      await writeFile(join(staged.dir, `${name}.sig`), Buffer.from(p.signature!, 'base64'));
      args.push(join(staged.seenAs, name));
    }
    log(`pacman -U: ${todo.map((p) => `${p.name}=${p.version}`).join(' ')}`);
    const r = await run([...runner.pacman, '-U', '--noconfirm', '--noprogressbar', '--color', 'never', ...args], log);
    if (r.code !== 0) {
      throw new ReproError('INSTALL', `pacman -U failed (exit ${r.code}):\n${r.output.split('\n').slice(-40).join('\n')}`, {
        hint: 'pacman checks each .sig against the system keyring too: an image whose keyring is older or newer than the snapshot may refuse a package (pacman-key --populate, or lock at another snapshot).',
      });
    }
    const deps = todo.filter((p) => !p.requested).map((p) => p.name);
    if (deps.length) {
      const d = await run([...runner.pacman, '-D', '--asdeps', ...deps]);
      if (d.code !== 0) log(`warning: could not mark ${deps.length} package(s) as dependencies: ${d.output.trim()}`);
    }
  } finally {
    await staged.cleanup();
  }
  const after = await queryInstalled(runner, root);
  const wrong = lock.packages.flatMap((p) => (after.get(p.name) === p.version ? [] : [`  ${p.name}: locked ${p.version}, ${after.has(p.name) ? `found ${after.get(p.name)}` : 'not installed'}`]));
  if (wrong.length) throw new ReproError('INSTALL', `after installing, ${wrong.length} package(s) differ from the lock:\n${wrong.join('\n')}`);
  return report;
}

/** Inside a chroot a symlink to a host path would dangle: copy there. */
async function symlinkOrCopy(from: string, to: string, copy: boolean): Promise<void> {
  if (copy) await writeFile(to, await readFile(from));
  else await symlink(from, to);
}

/** `pacman -Q` of the root: name → version. A root with no pacman database yet has nothing. */
export async function queryInstalled(runner: Runner, root: string): Promise<Map<string, string>> {
  if (root !== '/' && !(await exists(join(root, 'var/lib/pacman/local')))) return new Map();
  const r = await run([...runner.pacman, '-Q', '--color', 'never']);
  // An empty database makes pacman -Q exit 1 silently; anything it says on failure is an error.
  if (r.code !== 0 && r.output.trim() !== '') throw new ReproError('INSTALL', `cannot read the package database of ${root} (pacman -Q): ${r.output.trim()}`);
  const out = new Map<string, string>();
  for (const line of r.stdout.split('\n')) {
    const m = /^(\S+) (\S+)$/.exec(line);
    if (m) out.set(m[1], m[2]);
  }
  return out;
}

function run(cmd: string[], log?: (l: string) => void) {
  return runTool(cmd, { log: log && ((l) => log(`  ${l}`)) });
}
