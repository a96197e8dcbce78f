/** `repro-get verify`: audit every locked hash against the signed metadata at the lock's snapshot. */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { addNetOptions, collect, netOptions, type NetFlags } from './common.js';
import { makeOut } from './output.js';

export function register(program: Command): void {
  const cmd = program
    .command('verify')
    .description('re-fetch the signed metadata at the snapshot and confirm every locked hash')
    .option('-f, --file <lock>', 'lockfile', 'repro-get.lock.yaml')
    .option('--keyring <file>', 'extra trusted OpenPGP keys, as given to lock (repeatable)', collect, [])
    .option('--json', 'machine-readable report')
    .option('-q, --quiet', 'print nothing but problems');
  addNetOptions(cmd);
  cmd.action(async (o: NetFlags & { file: string; keyring: string[]; json?: boolean; quiet?: boolean }) => {
    const out = makeOut(o);
    const { verifyLock } = await import('../app/verify.js');
    const r = await verifyLock(o.file, { ...netOptions(o), keyrings: o.keyring.map((k) => resolve(k)), log: (l) => out.log(l) });
    if (o.json) out.result(JSON.stringify(r, null, 2));
    else {
      for (const p of r.problems) process.stdout.write(`MISMATCH ${p.what}: expected ${p.expected}, signed metadata says ${p.actual}${p.note ? ` (${p.note})` : ''}\n`);
      out.log(`${r.checked} locked artifact(s) checked, ${r.problems.length} problem(s)`);
    }
    if (r.problems.length) process.exitCode = 1;
  });
}
