/** Flags shared by the commands that download locked artifacts (fetch, install). */
import { Option, type Command } from 'commander';
import type { ArtifactRunOptions } from '../app/fetch.js';
import { ReproError } from '../core/errors.js';
import { addNetOptions, collect, netOptions, type NetFlags } from './common.js';

export interface ArtifactFlags extends NetFlags {
  file: string;
  jobs: string;
  mirror: string[];
  insecure?: boolean;
  quiet?: boolean;
}

export function addArtifactOptions(cmd: Command): Command {
  cmd
    .option('-f, --file <lockfile>', 'lockfile to read', 'repro-get.lock.yaml')
    .addOption(new Option('-j, --jobs <n>', 'parallel downloads').default('8'))
    .option(
      '--mirror <url>',
      'extra mirror: laid out like the archive (http(s)://…, tried after the lock\'s URLs), or a sha256 store tried first (oci://HOST/REPO, dir:FOLDER, store+https://…/ or https://…/sha256/) (repeatable; also $REPRO_GET_MIRROR, space-separated)',
      collect,
      [],
    )
    .option('--insecure', 'plain HTTP to an oci:// mirror on a loopback address')
    .option('-q, --quiet', 'print nothing but errors');
  return addNetOptions(cmd);
}

export function artifactOptions(f: ArtifactFlags): ArtifactRunOptions {
  const jobs = Number(f.jobs);
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > 64) throw new ReproError('USAGE', `--jobs ${f.jobs}: expected a whole number from 1 to 64.`);
  return { ...netOptions(f), jobs, mirrors: f.mirror, insecureRegistry: f.insecure };
}
