/** `repro-get why PKG`: the shortest chains from requested packages to PKG (no network). */
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('why')
    .description('show why a package is in the lock: every shortest chain from a requested package')
    .argument('<package>', 'package name, or name:arch')
    .option('-f, --file <lock>', 'lockfile', 'repro-get.lock.yaml')
    .option('--json', 'machine-readable output')
    .action(async (pkg: string, o: { file: string; json?: boolean }) => {
      const { readLockfile } = await import('../core/lockfile/read.js');
      const { why } = await import('../app/why.js');
      const res = why(await readLockfile(o.file), pkg);
      if (o.json) {
        process.stdout.write(JSON.stringify(res, null, 2) + '\n');
        return;
      }
      for (const r of res) {
        if (r.requested) process.stdout.write(`${r.target} is requested in the spec\n`);
        else if (r.baseOnly) process.stdout.write(`${r.target} is part of the assumed base system (not locked)${r.chains.length ? '; used by:' : ''}\n`);
        else process.stdout.write(`${r.target} is pulled in by:\n`);
        if (!r.requested) for (const c of r.chains) process.stdout.write(`  ${c.join(' → ')}\n`);
      }
    });
}
