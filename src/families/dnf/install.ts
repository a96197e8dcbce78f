/**
 * The dnf family's installer: the verified files' RPM signatures are first checked with the
 * distro's keys (`rpmkeys --checksig` against a scratch key database, so the target's own is not
 * touched), then `rpm --upgrade` installs them all in one transaction, offline: rpm resolves
 * nothing, it only orders the given files and replaces what they upgrade or obsolete. Afterwards
 * the rpm database must hold every locked package at exactly its name, EVR and architecture.
 *
 * Root '/': this system's rpm. Another root with its own rpm (a Fedora tree): the files are staged
 * inside it and `chroot ROOT rpm` runs. A root without one: this machine's rpm with --root and the
 * root's database path.
 */
import { access, copyFile, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { loadDistro } from '../../core/distros.js';
import { ReproError } from '../../core/errors.js';
import { runTool } from '../../core/run-tool.js';
import type { LockedPackage } from '../../core/lockfile/schema.js';
import type { InstallPlan, InstallReport } from '../family.js';
import { distroKeyrings, type DnfDistro } from './distro.js';
import { makeEvr } from './package.js';

/** `rpm -qa` in a form that parses back into name, EVR and arch (EPOCHNUM: 0 when none). */
export const QUERY_FORMAT = '%{NAME} %{EPOCHNUM} %{VERSION} %{RELEASE} %{ARCH}\\n';

interface Runner {
  rpm: string[];
  stage: () => Promise<{ dir: string; seenAs: string; copy: boolean; cleanup: () => Promise<void> }>;
}

async function exists(p: string): Promise<boolean> {
  return access(p).then(
    () => true,
    () => false,
  );
}

async function runnerFor(root: string): Promise<Runner> {
  const tmp = async (parent: string, inRoot: string, copy: boolean) => {
    await mkdir(parent, { recursive: true });
    const dir = await mkdtemp(join(parent, 'repro-get-rpm-'));
    return { dir, seenAs: inRoot ? join(inRoot, basename(dir)) : dir, copy, cleanup: () => rm(dir, { recursive: true, force: true }) };
  };
  if (root === '/') return { rpm: ['rpm'], stage: () => tmp('/tmp', '', false) };
  if (await exists(join(root, 'usr/bin/rpm'))) return { rpm: ['chroot', root, 'rpm'], stage: () => tmp(join(root, 'tmp'), '/tmp', true) };
  // Fedora 36+ keeps the database under /usr/lib/sysimage/rpm; older trees under /var/lib/rpm.
  const dbpath = (await exists(join(root, 'usr/lib/sysimage/rpm'))) ? '/usr/lib/sysimage/rpm' : '/var/lib/rpm';
  return { rpm: ['rpm', '--root', root, '--dbpath', dbpath], stage: () => tmp('/tmp', '', false) };
}

const nevra = (p: { name: string; version: string; arch: string }) => `${p.name} ${p.version} ${p.arch}`;

export async function installDnf(plan: InstallPlan): Promise<InstallReport> {
  const { lock, files, root, dryRun, log } = plan;
  for (const p of lock.packages) if (!files.get(p)) throw new Error(`installer called without a verified file for ${p.name}`); // a bug upstream
  await checkSignatures(plan);

  const runner = await runnerFor(root);
  const before = await queryInstalled(runner, root);
  const alreadyInstalled = lock.packages.filter((p) => before.has(nevra(p)));
  const todo = lock.packages.filter((p) => !alreadyInstalled.includes(p));
  const brief = (p: LockedPackage) => ({ name: p.name, version: p.version, arch: p.arch });
  const report: InstallReport = { steps: todo.length ? [todo.map(brief)] : [], alreadyInstalled: alreadyInstalled.map(brief) };
  if (dryRun || !todo.length) return report;
  if (process.getuid?.() !== 0) {
    throw new ReproError('INSTALL', 'installing needs root (rpm --upgrade).', { hint: 'Run as root (in a Dockerfile RUN step you are), or use --dry-run to see the plan.' });
  }
  const staged = await runner.stage();
  try {
    const args: string[] = [];
    for (const p of todo) {
      const name = basename(p.filename);
      if (staged.copy) await copyFile(files.get(p)!, join(staged.dir, name));
      else await symlink(files.get(p)!, join(staged.dir, name));
      args.push(join(staged.seenAs, name));
    }
    log(`rpm --upgrade: ${todo.map((p) => `${p.name}-${p.version}.${p.arch}`).join(' ')}`);
    const r = await run([...runner.rpm, '--upgrade', '--verbose', ...args.sort()], log);
    if (r.code !== 0) {
      throw new ReproError('INSTALL', `rpm --upgrade failed (exit ${r.code}):\n${r.output.split('\n').slice(-40).join('\n')}`, {
        hint: 'rpm installs only the locked files: "Failed dependencies" means the system lacks part of the base the lock assumed (options.base, assumedInstalled); lock against this system with --installed (rpm -qa --qf \'%{NAME} %{EPOCH}:%{VERSION}-%{RELEASE} %{ARCH}\\n\').',
      });
    }
  } finally {
    await staged.cleanup();
  }
  const after = await queryInstalled(runner, root);
  const wrong = lock.packages.filter((p) => !after.has(nevra(p))).map((p) => `  ${p.name}-${p.version}.${p.arch}`);
  if (wrong.length) throw new ReproError('INSTALL', `after installing, ${wrong.length} locked package(s) are not installed at their locked version:\n${wrong.join('\n')}`);
  return report;
}

/**
 * Checks every file's RPM signature with the distro's keys, in a scratch rpm key database. Skipped
 * (with a note) when the distro names no keys or rpmkeys is missing: the lock's sha256 was checked.
 */
async function checkSignatures(plan: InstallPlan): Promise<void> {
  const { lock, files, log } = plan;
  const { data, release } = await loadDistro(lock.distro);
  const keys = distroKeyrings(data as DnfDistro, release, lock.architectures[0]);
  if (!keys.length) {
    log(`${lock.distro} names no signing keys: package signatures are not checked (their sha256 from the lock was)`);
    return;
  }
  const db = await mkdtemp('/tmp/repro-get-rpmkeys-');
  try {
    const imp = await run(['rpmkeys', '--dbpath', db, '--import', ...keys]).catch((e: ReproError) => e);
    if (imp instanceof ReproError) {
      log(`rpmkeys is not available: package signatures are not checked (their sha256 from the lock was)`);
      return;
    }
    if (imp.code !== 0) throw new ReproError('SIGNATURE', `cannot import the ${lock.distro} keys (${keys.join(', ')}) into rpmkeys: ${imp.output.trim()}`);
    const paths = lock.packages.map((p) => files.get(p)!);
    const r = await run(['rpmkeys', '--dbpath', db, '--checksig', '--define', '_pkgverify_level all', ...paths]);
    const bad = r.stdout
      .split('\n')
      .filter((l) => l.trim() && !/: digests signatures OK$/.test(l))
      .map((l) => {
        const p = lock.packages.find((q) => l.startsWith(`${files.get(q)}:`));
        return p ? `  ${p.filename}: ${l.slice(files.get(p)!.length + 2)}` : `  ${l}`;
      });
    if (r.code !== 0 || bad.length) {
      throw new ReproError('SIGNATURE', `${bad.length || 'some'} package(s) are not signed by a ${lock.distro} key (${keys.map((k) => basename(k)).join(', ')}):\n${bad.join('\n') || r.output.trim()}`, {
        hint: 'The bytes match the lock, so the lock itself names unsigned or foreign packages: check its sources, or the keys in distros/.',
      });
    }
    log(`verified ${paths.length} package signature(s) with ${keys.map((k) => basename(k)).join(', ')}`);
  } finally {
    await rm(db, { recursive: true, force: true });
  }
}

/** The root's rpm database as "name EVR arch" strings. A root without a database has nothing. */
async function queryInstalled(runner: Runner, root: string): Promise<Set<string>> {
  const r = await run([...runner.rpm, '--query', '--all', '--queryformat', QUERY_FORMAT]);
  if (r.code !== 0) {
    if (root !== '/' && /open|database|rpmdb/i.test(r.output)) return new Set();
    throw new ReproError('INSTALL', `cannot read the rpm database of ${root}: ${r.output.trim()}`);
  }
  const out = new Set<string>();
  for (const line of r.stdout.split('\n')) {
    const m = /^(\S+) (\d+) (\S+) (\S+) (\S+)$/.exec(line);
    if (m && m[1] !== 'gpg-pubkey') out.add(`${m[1]} ${makeEvr(Number(m[2]), m[3], m[4])} ${m[5]}`);
  }
  return out;
}

function run(cmd: string[], log?: (l: string) => void) {
  return runTool(cmd, { log: log && ((l) => log(`  ${l}`)) });
}
