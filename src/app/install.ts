/**
 * The install flow, without printing: lockfile → validated → architecture check → every artifact
 * downloaded and verified (nothing is installed unless all are) → the family's installer, which
 * installs offline from those files and checks the result against the lock.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ReproError } from '../core/errors.js';
import { getFamily } from '../families/index.js';
import type { InstallReport } from '../families/family.js';
import { checkArch, loadLock, machineArch, withVerifiedArtifacts, type ArtifactRunOptions } from './fetch.js';

export interface InstallRunOptions extends ArtifactRunOptions {
  /** Target system root (default '/'). */
  root?: string;
  dryRun?: boolean;
  /** Extra trusted OpenPGP key files: the ones `lock --keyring` was given (pacman verifies package signatures at install). */
  keyrings?: string[];
}

export interface InstallResult extends InstallReport {
  root: string;
  dryRun: boolean;
  /** The lock's first architecture: package names are written without it. */
  nativeArch: string;
  downloaded: number;
  cached: number;
}

export async function installLocked(lockPath: string, opts: InstallRunOptions = {}): Promise<InstallResult> {
  const { lock } = await loadLock(lockPath);
  checkArch(lock, lockPath, opts.machineArch ?? machineArch(lock.family));
  const family = await getFamily(lock.family);
  if (!family.install) throw new ReproError('USAGE', `installing ${lock.family} packages is not available in this version of repro-get; \`repro-get fetch\` can still download and verify them.`);
  const root = resolve(opts.root ?? '/');
  const st = await stat(root).catch(() => undefined);
  if (!st?.isDirectory()) throw new ReproError('USAGE', `--root ${opts.root}: not a folder.`);
  const log = opts.log ?? (() => {});

  return withVerifiedArtifacts(lock, opts, async (files, stats) => {
    const report = await family.install!({ lock, files, root, dryRun: !!opts.dryRun, keyrings: opts.keyrings ?? [], log });
    return { ...report, root, dryRun: !!opts.dryRun, nativeArch: lock.architectures[0], downloaded: stats.fetched, cached: stats.cached };
  });
}

/** The plan as text: one line per native step, `name=version` (`name:arch=version` for a foreign arch). */
export function formatInstallPlan(r: InstallResult, nativeArch: string): string {
  const id = (p: { name: string; version: string; arch: string }) => (p.arch === nativeArch || p.arch === 'all' ? `${p.name}=${p.version}` : `${p.name}:${p.arch}=${p.version}`);
  const count = r.steps.reduce((n, s) => n + s.length, 0);
  const lines = [`${r.dryRun ? 'would install' : 'installed'} ${count} package(s) into ${r.root} in ${r.steps.length} step(s)${r.alreadyInstalled.length ? `; ${r.alreadyInstalled.length} already at the locked version` : ''}`];
  r.steps.forEach((s, i) => lines.push(`step ${i + 1}: ${s.map(id).join(' ')}`));
  if (r.alreadyInstalled.length) lines.push(`already installed: ${r.alreadyInstalled.map(id).join(' ')}`);
  return lines.join('\n') + '\n';
}
