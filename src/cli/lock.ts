/** `repro-get lock`: spec file and/or flags → lockfile (or JSON on stdout). */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { ReproError } from '../core/errors.js';
import type { Spec } from '../core/spec.js';
import { EXIT_GATED } from './diff.js';
import { makeOut } from './output.js';
import { collect, netOptions, addNetOptions, type NetFlags } from './common.js';

interface LockFlags extends NetFlags {
  spec?: string;
  distro?: string;
  arch: string[];
  snapshot?: string;
  suite: string[];
  component: string[];
  mirror: string[];
  keyring: string[];
  installed?: string;
  installRecommends?: boolean;
  weakDeps?: boolean;
  output?: string;
  json?: boolean;
  quiet?: boolean;
  check?: boolean;
}

export function register(program: Command): void {
  const cmd = program
    .command('lock')
    .description('resolve packages against signed snapshot metadata and write a lockfile')
    .argument('[packages...]', 'packages (name, name:arch, name=version); replace the spec\'s list')
    .option('--spec <file>', 'spec file (default: repro-get.yaml if it exists)')
    .option('--distro <distro>', 'distro and release, e.g. debian:bookworm, ubuntu:jammy')
    .option('--arch <arch>', 'architecture (repeatable; the first is native)', collect, [])
    .option('--snapshot <time>', 'snapshot time, e.g. 20250520T000000Z')
    .option('--suite <suite>', 'suite (repeatable; replaces the default set)', collect, [])
    .option('--component <c>', 'component (repeatable; default: the distro\'s)', collect, [])
    .option('--mirror <url>', 'fetch metadata from a mirror: URL or ARCHIVE=URL (repeatable)', collect, [])
    .option('--keyring <file>', 'extra trusted OpenPGP keys (repeatable)', collect, [])
    .option('--installed <file>', 'base system as a dpkg status file (default: the distro\'s essential/required set)')
    .option('--install-recommends', 'follow Recommends / weak dependencies (apt default: off; dnf default: on)')
    .option('--no-install-recommends', 'do not follow Recommends / weak dependencies (dnf: --no-weak-deps)')
    .option('--no-weak-deps', 'same as --no-install-recommends')
    .option('-o, --output <file>', 'lockfile to write (default: repro-get.lock.yaml)')
    .option('--json', 'print the lock as JSON on stdout (the file is written only with -o)')
    .option('--check', 'exit 3 if the lockfile is stale for the spec, explaining what would change; writes nothing')
    .option('-q, --quiet', 'print nothing but errors');
  addNetOptions(cmd);
  cmd.action(async (packages: string[], flags: LockFlags) => {
    const out = makeOut(flags);
    const spec = await specFromFlags(packages, flags);
    if (flags.check) {
      const { checkLock } = await import('../app/check.js');
      const { render } = await import('../app/diff/index.js');
      const target = flags.output ?? resolve(spec.dir, 'repro-get.lock.yaml');
      const r = await checkLock(spec, target, { ...netOptions(flags), log: (l) => out.log(l) });
      if (r.fresh) out.log(`${target} is up to date with the spec`);
      else {
        process.stderr.write(`${target} is stale:\n${r.reasons.map((x) => `  - ${x}`).join('\n')}\n`);
        if (r.diff) out.result(render(r.diff, flags.json ? 'json' : 'text'));
        process.exitCode = EXIT_GATED;
      }
      return;
    }
    const { lock } = await import('../app/lock.js');
    const { lockfileToJson, serializeLockfile, writeFileAtomic } = await import('../core/lockfile/write.js');
    const target = flags.output ?? (flags.json ? undefined : resolve(spec.dir, 'repro-get.lock.yaml'));
    const previous = target ? previousLock(target) : undefined;
    const lockfile = await lock(spec, { ...netOptions(flags), log: (l) => out.log(l), previous });
    if (target) await writeFileAtomic(target, serializeLockfile(lockfile));
    if (flags.json) out.result(lockfileToJson(lockfile));
    else out.log(`wrote ${target}: ${lockfile.packages.length} package(s), ${lockfile.packages.filter((p) => p.requested).length} requested`);
  });
}

/** The lock about to be replaced, if it is readable: its metadata dates are the rollback guard. Read only when needed. */
function previousLock(file: string) {
  if (!existsSync(file)) return undefined;
  const lock = async () => {
    const { readLockfile } = await import('../core/lockfile/read.js');
    return readLockfile(file).catch(() => undefined);
  };
  return { lock, file };
}

/** Spec file (if any) overlaid with flags: every spec field has a flag. */
export async function specFromFlags(packages: string[], f: LockFlags): Promise<Spec> {
  const { normalizeSnapshot, parseMirror, parsePackageRequest, readSpec } = await import('../core/spec.js');
  const file = f.spec ?? (existsSync('repro-get.yaml') ? 'repro-get.yaml' : undefined);
  let spec: Spec;
  if (file) spec = await readSpec(file);
  else {
    if (!f.distro) throw new ReproError('USAGE', 'no repro-get.yaml here and no --distro given.', { hint: 'Write a repro-get.yaml (see README) or run e.g. `repro-get lock --distro debian:bookworm --snapshot 20250520T000000Z curl`.' });
    spec = { dir: process.cwd(), distro: f.distro, architectures: [], mirrors: [], keyrings: [], repos: [], packages: [] };
  }
  const usage = (m: string): never => {
    throw new ReproError('USAGE', m);
  };
  if (f.distro) spec.distro = f.distro;
  if (f.arch.length) spec.architectures = f.arch;
  if (f.snapshot) spec.snapshot = normalizeSnapshot(f.snapshot) ?? usage(`--snapshot ${f.snapshot}: expected a time like 20250520T000000Z or 2025-05-20T00:00:00Z.`);
  if (f.suite.length) spec.suites = f.suite;
  if (f.component.length) spec.components = f.component;
  if (f.mirror.length) spec.mirrors = f.mirror.map((m) => {
    const r = parseMirror(m);
    return typeof r === 'string' ? usage(`--mirror: ${r}`) : r;
  });
  if (f.keyring.length) spec.keyrings = [...spec.keyrings, ...f.keyring.map((k) => resolve(k))];
  if (f.installed) spec.installed = resolve(f.installed);
  if (f.installRecommends !== undefined) spec.installRecommends = f.installRecommends;
  if (f.weakDeps === false) spec.installRecommends = false;
  if (packages.length) spec.packages = packages.map((p) => {
    const r = parsePackageRequest(p);
    return typeof r === 'string' ? usage(r) : r;
  });
  if (!spec.packages.length) usage('no packages to lock: name them on the command line or under `packages:` in the spec.');
  return spec;
}
