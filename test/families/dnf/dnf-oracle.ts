/**
 * The real dnf as an oracle: an empty (or base-populated) install root, the fixture repositories as
 * file:// repos, `dnf --installroot=… --assumeno install …`, and the transaction table it prints
 * parsed into name-EVR.arch strings. Debian's dnf 4 with Fedora's defaults: install_weak_deps=True,
 * best=False; gpgcheck off (signatures are repro-get's own tests, not the resolver's).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function haveDnf(): boolean {
  return spawnSync('dnf', ['--version'], { stdio: 'ignore' }).status === 0 && spawnSync('rpm', ['--version'], { stdio: 'ignore' }).status === 0;
}

export interface DnfRoot {
  dir: string;
  root: string;
  /** `rpm -qa` listing of the root, in the form `--installed` reads. */
  installedListing(): string;
  /** What `dnf install` would do: installed and upgraded packages, or the error text. */
  install(args: string[], opts?: { weakDeps?: boolean }): { ok: true; transaction: string[] } | { ok: false; error: string };
}

/** A fresh root with `repos` (id → folder) configured and `base` (.rpm files) in its rpm database. */
export function dnfRoot(repos: Record<string, string>, base: string[] = []): DnfRoot {
  const dir = mkdtempSync(join(tmpdir(), 'rg-dnf-oracle-'));
  const root = join(dir, 'root');
  mkdirSync(join(dir, 'repos.d'), { recursive: true });
  mkdirSync(root, { recursive: true });
  for (const [id, folder] of Object.entries(repos)) {
    writeFileSync(join(dir, 'repos.d', `${id}.repo`), `[${id}]\nname=${id}\nbaseurl=file://${folder}/\ngpgcheck=0\nrepo_gpgcheck=0\n`);
  }
  writeFileSync(
    join(dir, 'dnf.conf'),
    ['[main]', 'gpgcheck=False', 'repo_gpgcheck=False', 'install_weak_deps=True', 'best=False', `cachedir=${dir}/cache`, `logdir=${dir}/log`, `persistdir=${dir}/persist`, `reposdir=${dir}/repos.d`, ''].join('\n'),
  );
  execFileSync('rpm', ['--root', root, '--initdb']);
  if (base.length) execFileSync('rpm', ['--root', root, '-i', '--justdb', '--nodeps', '--noscripts', '--nosignature', ...base], { stdio: 'pipe' });
  return {
    dir,
    root,
    installedListing: () => execFileSync('rpm', ['--root', root, '-qa', '--qf', '%{NAME} %{EPOCH}:%{VERSION}-%{RELEASE} %{ARCH}\\n'], { encoding: 'utf8' }),
    install(args, opts = {}) {
      const r = spawnSync(
        'dnf',
        [
          `--installroot=${root}`,
          `--config=${dir}/dnf.conf`,
          `--setopt=reposdir=${dir}/repos.d`,
          '--releasever=40',
          '--assumeno',
          ...(opts.weakDeps === false ? ['--setopt=install_weak_deps=False'] : []),
          'install',
          ...args,
        ],
        { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C.UTF-8', COLUMNS: '200' } },
      );
      const out = `${r.stdout}\n${r.stderr}`;
      if (/^(Error|Problem)/m.test(out) && !/Operation aborted/.test(out)) return { ok: false, error: out };
      return { ok: true, transaction: parseTransaction(r.stdout) };
    },
  };
}

const SECTIONS = /^(Installing|Upgrading|Installing dependencies|Installing weak dependencies|Reinstalling|Downgrading):$/;

/** The packages a transaction table installs (new or upgraded), as name-EVR.arch, sorted. */
export function parseTransaction(stdout: string): string[] {
  const out: string[] = [];
  let inSection = false;
  let carry = '';
  for (const raw of stdout.split('\n')) {
    const line = raw.trimEnd();
    if (/^Transaction Summary/.test(line)) break;
    if (/^\S/.test(line)) {
      inSection = SECTIONS.test(line);
      carry = '';
      continue;
    }
    if (!inSection || !line.trim() || /^\s+replacing\s/.test(line)) continue;
    // A long name wraps: the name alone on one line, the other columns on the next.
    const tokens = (carry + ' ' + line).trim().split(/\s+/);
    if (tokens.length < 5) {
      carry = tokens.join(' ');
      continue;
    }
    carry = '';
    const [name, arch, version] = tokens;
    out.push(`${name}-${version}.${arch}`);
  }
  return out.sort();
}
