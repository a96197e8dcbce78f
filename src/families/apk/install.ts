/**
 * The apk family's installer: one `apk add --no-network` of every verified local .apk, which apk
 * orders itself and checks against the keys of the target system (/etc/apk/keys; no
 * --allow-untrusted: a package must carry a signature the image trusts). No repository is read
 * (--repositories-file /dev/null) and nothing is cached, so apk cannot resolve anything again:
 * the lock is the whole truth. Afterwards the installed database must list every locked package
 * at exactly its version.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ReproError } from '../../core/errors.js';
import { runTool } from '../../core/run-tool.js';
import type { LockedPackage, Lockfile } from '../../core/lockfile/schema.js';
import type { InstallPlan, InstallReport } from '../family.js';
import { parseApkIndex } from './apkindex.js';
import { gzipMembers } from './gzip.js';
import { parsePkgInfo } from './package-file.js';
import { isSignatureEntry } from './signature.js';
import { readTar } from '../../core/tar.js';

export const INSTALLED_DB = 'lib/apk/db/installed';

/** The apk command installing `files` into `root`, as an argv. */
export function apkAddCommand(root: string, files: string[]): string[] {
  return ['apk', ...(root === '/' ? [] : ['--root', root]), '--repositories-file', '/dev/null', '--no-cache', 'add', '--no-network', ...files];
}

/** name → version of what the root's installed database lists (empty when it has none). */
export async function readInstalledVersions(root: string): Promise<Map<string, string>> {
  const path = join(root, INSTALLED_DB);
  const text = await readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return '';
    throw new ReproError('INSTALL', `cannot read ${path}: ${e.message}`);
  });
  return new Map(parseApkIndex(text, path, { installed: true }).map((p) => [p.name, p.version]));
}

/** One line for each locked package that is not installed at its locked version. */
export function mismatches(lock: Lockfile, installed: Map<string, string>): string[] {
  return lock.packages
    .filter((p) => installed.get(p.name) !== p.version)
    .map((p) => `${p.name}: locked ${p.version}, installed ${installed.get(p.name) ?? 'nothing'}`);
}

/** name and version from a package file's .PKGINFO (the digest binds the file; this catches a hand-edited lock). */
async function pkgInfoOf(file: string): Promise<{ name?: string; version?: string }> {
  const buf = await readFile(file);
  const [first] = gzipMembers(buf, file, { maxMembers: 1, maxOutput: 16 << 20 });
  let entries = readTar(first.data, file);
  if (entries.length && entries.every(isSignatureEntry)) entries = readTar(gzipMembers(buf, file, { from: first.end, maxMembers: 1, maxOutput: 16 << 20 })[0].data, file);
  const info = entries.find((e) => e.path === '.PKGINFO');
  if (!info) throw new ReproError('INSTALL', `${file} has no .PKGINFO: not an apk package.`);
  const pi = parsePkgInfo(info.data.toString('utf8'), `${file}: .PKGINFO`);
  return { name: pi.get('pkgname'), version: pi.get('pkgver') };
}

export async function installApk(plan: InstallPlan): Promise<InstallReport> {
  const { lock, files, root, dryRun, log } = plan;
  for (const p of lock.packages) {
    const file = files.get(p);
    if (!file) throw new Error(`installer called without a verified file for ${p.name}`); // a bug upstream
    const { name, version } = await pkgInfoOf(file);
    if (name !== p.name || version !== p.version) {
      throw new ReproError('INSTALL', `${p.filename} is ${name} ${version}, but the lock says ${p.name} ${p.version}.`);
    }
  }
  const installed = await readInstalledVersions(root);
  const already = lock.packages.filter((p) => installed.get(p.name) === p.version);
  const todo = lock.packages.filter((p) => !already.includes(p));
  const slim = (p: LockedPackage) => ({ name: p.name, version: p.version, arch: p.arch });
  const report: InstallReport = { steps: todo.length ? [todo.map(slim)] : [], alreadyInstalled: already.map(slim) };
  if (dryRun || !todo.length) return report;

  if (process.getuid?.() !== 0) {
    throw new ReproError('INSTALL', 'installing needs root (apk).', { hint: 'Run as root (in a Dockerfile RUN step you are), or use --dry-run to see the plan.' });
  }
  const cmd = apkAddCommand(root, todo.map((p) => files.get(p)!));
  log(`apk add: ${todo.map((p) => `${p.name}=${p.version}`).join(' ')}`);
  const r = await run(cmd, log);
  if (r.code !== 0) {
    throw new ReproError('INSTALL', `apk add failed (exit ${r.code}):\n${r.output.split('\n').slice(-40).join('\n')}`, {
      hint: r.output.includes('UNTRUSTED')
        ? 'apk does not trust the packages\' signing key: the image needs it in /etc/apk/keys (Alpine\'s own images have Alpine\'s keys).'
        : 'apk installs in one transaction: the system is unchanged unless the output says otherwise.',
    });
  }
  const bad = mismatches(lock, await readInstalledVersions(root));
  if (bad.length) throw new ReproError('INSTALL', `after apk add, the installed database differs from the lock:\n  ${bad.join('\n  ')}`);
  return report;
}

function run(cmd: string[], log?: (l: string) => void) {
  return runTool(cmd, { log, hint: 'apk installs only on Alpine (or an Alpine root with apk-tools).' });
}
