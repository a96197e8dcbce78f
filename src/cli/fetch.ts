/** `repro-get fetch`: download and verify every artifact of a lock into a folder, with SHA256SUMS. */
import type { Command } from 'commander';
import { addArtifactOptions, artifactOptions, type ArtifactFlags } from './artifact-options.js';
import { makeOut } from './output.js';

interface FetchFlags extends ArtifactFlags {
  out: string;
  anyArch?: boolean;
  archCheck?: boolean;
}

export function register(program: Command): void {
  const cmd = program
    .command('fetch')
    .description('download and verify every locked artifact into a folder (with SHA256SUMS and a copy of the lock)')
    .requiredOption('--out <dir>', 'folder to write the artifacts to (written only once every one verified)')
    .option('--any-arch', 'allow a lock for another architecture (fetching for another machine)')
    .option('--no-arch-check', 'same as --any-arch');
  addArtifactOptions(cmd);
  cmd.action(async (flags: FetchFlags) => {
    const out = makeOut(flags);
    // Loaded on use: startup stays cheap for every other command (see scripts/build.mjs).
    const { fetchLocked } = await import('../app/fetch.js');
    const { formatBytes, makeProgress } = await import('../core/net/progress.js');
    const r = await fetchLocked(flags.file, flags.out, {
      ...artifactOptions(flags),
      anyArch: flags.anyArch || flags.archCheck === false,
      progress: makeProgress({ quiet: flags.quiet, label: 'fetch' }),
      log: (l) => out.log(l),
    });
    out.log(`wrote ${r.files} file(s), ${formatBytes(r.bytes)}, to ${r.outDir}; check with: cd ${r.outDir} && sha256sum -c SHA256SUMS`);
  });
}
