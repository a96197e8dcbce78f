/**
 * The oracle: real pacman (Debian's pacman-package-manager) resolving over exactly the databases we
 * give it, without downloading: `pacman -Sp --print-format '%n %v'` in a private root, database
 * path and config, so the machine's own pacman setup (if any) is never read or written.
 *
 * An installed base is written as a local database without package files: `local/ALPM_DB_VERSION`
 * and, per package, its sync `desc` plus `%REASON%` and an empty `files` (what libalpm reads).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { readTar } from '../../../../src/core/tar.js';

export function pacmanMissing(): string | undefined {
  const r = spawnSync('pacman', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? undefined : 'pacman is not installed (apt-get install pacman-package-manager, see .ci/apt-packages.txt)';
}

export type OracleResult =
  | { ok: true; pkgs: string[] }
  | { ok: false; output: string; notFound: string[]; unsatisfied: string[] };

export interface PacmanOracle {
  dir: string;
  /** Resolves targets like `pacman -S --noconfirm` would, printing instead of installing (-Sp). */
  run(targets: string[]): OracleResult;
  /**
   * A real `pacman -S --noconfirm` into a fresh copy of the root (needs each repository's
   * `server`): what it installed besides the base, or its refusal. -Sp skips the conflict checks.
   */
  install(targets: string[]): OracleResult;
  close(): void;
}

/** `desc` texts of a (gzip or plain) database, by `<name>-<version>` folder. */
export function descTexts(dbFile: string): Map<string, string> {
  let data = readFileSync(dbFile);
  if (data[0] === 0x1f && data[1] === 0x8b) data = gunzipSync(data);
  const out = new Map<string, string>();
  for (const e of readTar(data, dbFile)) if (e.path.endsWith('/desc')) out.set(e.path.slice(0, -5), e.data.toString('utf8'));
  return out;
}

export function pacmanOracle(opts: { repos: { id: string; db: string; server?: string }[]; installed?: string[] }): PacmanOracle {
  const dir = mkdtempSync(join(tmpdir(), 'rg-pacman-oracle-'));
  mkdirSync(join(dir, 'db/sync'), { recursive: true });
  mkdirSync(join(dir, 'db/local'), { recursive: true });
  mkdirSync(join(dir, 'root'));
  mkdirSync(join(dir, 'cache'));
  writeFileSync(join(dir, 'db/local/ALPM_DB_VERSION'), '9\n');
  let conf = '[options]\nArchitecture = x86_64\nSigLevel = Never\n';
  const descs = new Map<string, string>();
  for (const r of opts.repos) {
    copyFileSync(r.db, join(dir, 'db/sync', `${r.id}.db`));
    conf += `[${r.id}]\nServer = ${r.server ?? `file:///nonexistent/${r.id}`}\n`;
    for (const [k, v] of descTexts(r.db)) if (!descs.has(k)) descs.set(k, v);
  }
  writeFileSync(join(dir, 'pacman.conf'), conf);
  for (const entry of opts.installed ?? []) {
    const desc = descs.get(entry);
    if (desc === undefined) throw new Error(`oracle: no database entry ${entry} to install`);
    mkdirSync(join(dir, 'db/local', entry));
    writeFileSync(join(dir, 'db/local', entry, 'desc'), `${desc.replace(/\n*$/, '\n\n')}%REASON%\n1\n\n`);
    writeFileSync(join(dir, 'db/local', entry, 'files'), '');
  }
  const pacman = (cwd: string, args: string[]) => {
    const r = spawnSync('pacman', ['--config', join(dir, 'pacman.conf'), '--root', 'root', '--dbpath', 'db', '--cachedir', 'cache', '--noconfirm', '--color', 'never', ...args], {
      cwd,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, LC_ALL: 'C' },
      maxBuffer: 1 << 28, // pacman repeats failing subtrees: megabytes of messages for big groups
    });
    if (r.error) throw r.error;
    return r;
  };
  const refusal = (r: { stdout: string; stderr: string }): OracleResult => {
    const output = `${r.stdout}${r.stderr}`;
    return {
      ok: false,
      output,
      notFound: [...output.matchAll(/error: target not found: (\S+)/g)].map((m) => m[1]).sort(),
      unsatisfied: [...new Set([...output.matchAll(/unable to satisfy dependency '([^']+)' required by (\S+)/g)].map((m) => `${m[1]} <- ${m[2]}`))].sort(),
    };
  };
  let runs = 0;
  return {
    dir,
    run(targets) {
      const r = pacman(dir, ['-Sp', '--print-format', '%n %v', '--', ...targets]);
      return r.status === 0 ? { ok: true, pkgs: r.stdout.split('\n').filter(Boolean).sort() } : refusal(r);
    },
    install(targets) {
      const run = join(dir, `run${runs++}`);
      mkdirSync(join(run, 'root'), { recursive: true });
      mkdirSync(join(run, 'cache'));
      cpSync(join(dir, 'db'), join(run, 'db'), { recursive: true });
      const r = pacman(run, ['-S', '--', ...targets]);
      if (r.status !== 0) return refusal(r);
      const q = pacman(run, ['-Q']);
      const base = new Set((opts.installed ?? []).map((e) => e.replace(/-([^-]+-[^-]+)$/, ' $1')));
      return { ok: true, pkgs: q.stdout.split('\n').filter((l) => l && !base.has(l)).sort() };
    },
    close() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
