/** `repro-get vercmp --family F A B`: prints -1, 0 or 1 like dpkg --compare-versions / vercmp. */
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('vercmp')
    .description('compare two versions with a family\'s own ordering; prints -1, 0 or 1')
    .requiredOption('--family <family>', 'apt, rpm, apk or pacman')
    .argument('<a>', 'first version')
    .argument('<b>', 'second version')
    .action(async (a: string, b: string, opts: { family: string }) => {
      const { versionComparator } = await import('../families/index.js');
      const cmp = await versionComparator(opts.family);
      const r = cmp(a, b);
      process.stdout.write(`${r < 0 ? -1 : r > 0 ? 1 : 0}\n`);
    });
}
