/**
 * `repro-get mirror push|pull`: keep a lock's verified artifacts in an OCI registry or a static
 * sha256/<hex> folder, and read them back. Installs use such a store with `--mirror`.
 */
import type { Command } from 'commander';
import { ReproError } from '../core/errors.js';
import { addArtifactOptions, artifactOptions, type ArtifactFlags } from './artifact-options.js';
import { makeOut } from './output.js';

interface PushFlags extends ArtifactFlags {
  to: string;
  chunkSize?: string;
  json?: boolean;
}

interface PullFlags extends ArtifactFlags {
  from: string;
  tag?: string;
  json?: boolean;
}

function chunkBytes(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const m = /^(\d+)([KMG]i?B?)?$/i.exec(s.trim());
  const n = m ? Number(m[1]) * { '': 1, K: 1 << 10, M: 1 << 20, G: 1 << 30 }[(m[2] ?? '').charAt(0).toUpperCase() as '' | 'K' | 'M' | 'G'] : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new ReproError('USAGE', `--chunk-size ${s}: expected a size such as 16MiB.`);
  return n;
}

export function register(program: Command): void {
  const mirror = program.command('mirror').description('keep locked artifacts in your own OCI registry or static store (push), and read a pushed lock back (pull)');

  const push = mirror
    .command('push')
    .description('download and verify every locked artifact, then upload each (and the lock) to oci://HOST/REPO or dir:FOLDER; blobs already there are skipped')
    .requiredOption('--to <store>', 'oci://HOST/REPOSITORY (blobs + a manifest tagged lock-<digest>) or dir:FOLDER (sha256/<hex> files, servable by any static server)')
    .option('--chunk-size <size>', 'OCI: upload blobs larger than this in chunks of this size (e.g. 16MiB)', '64MiB')
    .option('--json', 'print the summary as JSON');
  addArtifactOptions(push);
  push.action(async (flags: PushFlags) => {
    const out = makeOut(flags);
    const chunkSize = chunkBytes(flags.chunkSize);
    const { pushMirror } = await import('../app/mirror.js');
    const { formatBytes, makeProgress } = await import('../core/net/progress.js');
    const r = await pushMirror(flags.file, flags.to, {
      ...artifactOptions(flags),
      chunkSize,
      progress: makeProgress({ quiet: flags.quiet, label: 'verify' }),
      log: (l) => out.log(l),
    });
    if (flags.json) out.result(JSON.stringify(r, null, 2));
    else {
      out.result(`${r.to}`);
      out.log(`${r.uploaded} of ${r.blobs} blob(s) uploaded (${formatBytes(r.bytesUploaded)}), ${r.present} already there; install with: repro-get install --mirror ${r.to.startsWith('oci://') ? r.to.replace(/:lock-[0-9a-f]+$/, '') : r.to}`);
    }
  });

  const pull = mirror
    .command('pull')
    .description('read a pushed lock back from oci://HOST/REPO:lock-… (or dir:FOLDER --tag lock-…), check its digest, and download and verify its artifacts into the cache')
    .requiredOption('--from <store>', 'oci://HOST/REPOSITORY:lock-… or dir:FOLDER')
    .option('--tag <lock-…>', 'the lock to pull, when --from names none')
    .option('--json', 'print the summary as JSON');
  addArtifactOptions(pull); // -f names the lockfile to write
  pull.action(async (flags: PullFlags) => {
    const out = makeOut(flags);
    const { pullMirror } = await import('../app/mirror.js');
    const { makeProgress } = await import('../core/net/progress.js');
    const r = await pullMirror(flags.from, flags.file, {
      ...artifactOptions(flags),
      tag: flags.tag,
      progress: makeProgress({ quiet: flags.quiet, label: 'pull' }),
      log: (l) => out.log(l),
    });
    if (flags.json) out.result(JSON.stringify(r, null, 2));
    else out.log(`wrote ${r.lockPath}; ${r.packages} artifact(s) verified (${r.downloaded} downloaded, ${r.cached} from the cache)`);
  });
}
