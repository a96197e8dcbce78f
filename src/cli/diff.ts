/** `repro-get diff`: what changed between two locks, for people (text, Markdown) and machines (JSON). */
import type { Command } from 'commander';
import { ReproError } from '../core/errors.js';
import type { Format } from '../app/diff/index.js';

/** Exit status when --fail-on matched: distinct from errors (1) and usage (2). */
export const EXIT_GATED = 3;

export function register(program: Command): void {
  program
    .command('diff')
    .description('show what changed between two lockfiles (or the lockfile and a git revision)')
    .argument('[old]', 'old lockfile')
    .argument('[new]', 'new lockfile (default: repro-get.lock.yaml)')
    .option('--git <rev>', 'compare the lockfile in the working tree with the one at a git revision')
    .option('-f, --file <lock>', 'lockfile in the working tree for --git (default: repro-get.lock.yaml)')
    .option('--format <format>', 'text, markdown or json', 'text')
    .option('--fail-on <kinds>', 'exit 3 if any of these change kinds occur: added, removed, upgrade, downgrade, hash-change, new-source, removed-source, key-change, snapshot-change, requested-change')
    .action(async (oldArg: string | undefined, newArg: string | undefined, o: { git?: string; file?: string; format: string; failOn?: string }) => {
      if (!['text', 'markdown', 'json'].includes(o.format)) throw new ReproError('USAGE', `--format ${o.format}: expected text, markdown or json.`);
      const { diffLockfiles, diffRenderOptions, parseFailOn, readBoth, render } = await import('../app/diff/index.js');
      const failOn = parseFailOn(o.failOn);
      let pair;
      if (o.git) {
        if (newArg) throw new ReproError('USAGE', 'with --git give at most one lockfile (or -f).');
        pair = await readBoth(undefined, oldArg ?? o.file ?? 'repro-get.lock.yaml', o.git);
      } else {
        if (!oldArg) throw new ReproError('USAGE', 'name two lockfiles, or use --git REV.');
        pair = await readBoth(oldArg, newArg ?? 'repro-get.lock.yaml');
      }
      const d = await diffLockfiles(pair[0], pair[1]);
      process.stdout.write(render(d, o.format as Format, await diffRenderOptions(pair[1])));
      const hit = failOn.filter((k) => d.kinds.includes(k));
      if (hit.length) {
        process.stderr.write(`repro-get diff: failing on ${hit.join(', ')} (--fail-on)\n`);
        process.exitCode = EXIT_GATED;
      }
    });
}
