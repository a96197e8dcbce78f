/** `repro-get install`: verify every locked artifact, then install exactly those with the native tool. */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { addArtifactOptions, artifactOptions, type ArtifactFlags } from './artifact-options.js';
import { collect } from './common.js';
import { makeOut } from './output.js';

interface InstallFlags extends ArtifactFlags {
  root: string;
  dryRun?: boolean;
  keyring: string[];
}

export function register(program: Command): void {
  const cmd = program
    .command('install')
    .description('download and verify every locked artifact, then install exactly those (nothing is installed unless all verify)')
    .option('--root <dir>', 'system root to install into (another folder: installed with chroot)', '/')
    .option('--dry-run', 'verify the artifacts and print the install steps; change nothing')
    .option('--keyring <file>', 'extra trusted OpenPGP keys, as given to lock (repeatable; pacman verifies each package signature at install)', collect, []);
  addArtifactOptions(cmd);
  cmd.action(async (flags: InstallFlags) => {
    const out = makeOut(flags);
    const { formatInstallPlan, installLocked } = await import('../app/install.js');
    const { makeProgress } = await import('../core/net/progress.js');
    const r = await installLocked(flags.file, {
      ...artifactOptions(flags),
      root: flags.root,
      dryRun: flags.dryRun,
      keyrings: flags.keyring.map((k) => resolve(k)),
      progress: makeProgress({ quiet: flags.quiet, label: 'install' }),
      log: (l) => out.log(l),
    });
    const plan = formatInstallPlan(r, r.nativeArch);
    if (r.dryRun) out.result(plan);
    else out.log(plan.trimEnd());
  });
}
