/** `repro-get update [--snapshot latest|TS] [pkg...]`: move to a newer snapshot and print the diff. */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { ReproError } from '../core/errors.js';
import { addNetOptions, netOptions, type NetFlags } from './common.js';
import { makeOut } from './output.js';

export function register(program: Command): void {
  const cmd = program
    .command('update')
    .description('re-lock at a newer snapshot (or move only the named packages) and print the diff')
    .argument('[packages...]', 'only these requested packages may change version')
    .option('--spec <file>', 'spec file', 'repro-get.yaml')
    .option('-o, --output <file>', 'lockfile (default: repro-get.lock.yaml beside the spec)')
    .option('--snapshot <time>', '"latest" or a snapshot time such as 20250601T000000Z')
    .option('--format <format>', 'diff format: text, markdown or json', 'text')
    .option('--dry-run', 'print the diff, write nothing')
    .option('-q, --quiet', 'print nothing but the diff and errors');
  addNetOptions(cmd);
  cmd.action(async (packages: string[], o: NetFlags & { spec: string; output?: string; snapshot?: string; format: string; dryRun?: boolean; quiet?: boolean }) => {
    if (!['text', 'markdown', 'json'].includes(o.format)) throw new ReproError('USAGE', `--format ${o.format}: expected text, markdown or json.`);
    const out = makeOut(o);
    const { readSpec } = await import('../core/spec.js');
    const { render } = await import('../app/diff/index.js');
    const { update } = await import('../app/update.js');
    const spec = await readSpec(o.spec);
    const lockPath = o.output ?? resolve(spec.dir, 'repro-get.lock.yaml');
    const r = await update(spec, { ...netOptions(o), snapshot: o.snapshot, only: packages, lockPath, dryRun: o.dryRun, log: (l) => out.log(l) });
    out.result(render(r.diff, o.format as 'text'));
  });
}
