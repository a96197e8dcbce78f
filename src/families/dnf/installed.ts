/**
 * The base system, from an `rpm -qa --qf '%{NAME} %{EPOCH}:%{VERSION}-%{RELEASE} %{ARCH}\n'`
 * listing (rpm prints `(none)` for a missing epoch). Such a listing has no dependency data, so each
 * installed package borrows it from the repository package with the same name, EVR and arch; when
 * the repositories no longer hold that build, from the newest build of the same name and arch
 * (its sonames and files are what a rebuild of the same package provides), and when there is none,
 * it provides only itself. The README lists this as a known difference from dnf, which reads the
 * rpm database.
 */
import { ReproError } from '../../core/errors.js';
import { makeEvr, type RpmPackage } from './package.js';
import { compareEvrTotal } from './version.js';

export interface InstalledEntry {
  name: string;
  epoch: number;
  version: string;
  release: string;
  arch: string;
  line: number;
}

const MAX_LINE = 4096;

export function parseRpmQa(text: string, file: string): InstalledEntry[] {
  const out: InstalledEntry[] = [];
  const seen = new Set<string>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const where = `${file}:${i + 1}`;
    if (raw.length > MAX_LINE) throw new ReproError('LIMIT', `${where}: line longer than ${MAX_LINE} characters.`);
    const m = /^(\S+) (?:(\d{1,10}|\(none\)):)?([^\s:-]+)-([^\s:-]+) ([A-Za-z0-9_]+)$/.exec(line);
    if (!m) throw new ReproError('FORMAT', `${where}: expected "NAME EPOCH:VERSION-RELEASE ARCH" (rpm -qa --qf '%{NAME} %{EPOCH}:%{VERSION}-%{RELEASE} %{ARCH}\\n'), got ${JSON.stringify(line.slice(0, 120))}.`);
    const [, name, epoch, version, release, arch] = m;
    if (name === 'gpg-pubkey') return; // rpm lists imported keys as packages; they are not packages
    const key = `${name}.${arch}`;
    if (seen.has(`${key}-${epoch}:${version}-${release}`)) throw new ReproError('FORMAT', `${where}: ${name} ${version}-${release} ${arch} is listed twice.`);
    seen.add(`${key}-${epoch}:${version}-${release}`);
    out.push({ name, epoch: epoch && epoch !== '(none)' ? Number(epoch) : 0, version, release, arch, line: i + 1 });
  });
  return out;
}

/** Installed packages with dependency data borrowed from the repositories (see the file comment). */
export function installedPackages(entries: InstalledEntry[], available: RpmPackage[]): { pkgs: RpmPackage[]; borrowed: string[] } {
  const byNameArch = new Map<string, RpmPackage[]>();
  for (const p of available) {
    const k = `${p.name}.${p.arch}`;
    const l = byNameArch.get(k);
    if (l) l.push(p);
    else byNameArch.set(k, [p]);
  }
  const borrowed: string[] = [];
  const pkgs = entries.map((e): RpmPackage => {
    const evr = makeEvr(e.epoch, e.version, e.release);
    const same = byNameArch.get(`${e.name}.${e.arch}`) ?? [];
    let src = same.find((p) => p.evr === evr);
    if (!src && same.length) {
      src = same.reduce((a, b) => (compareEvrTotal(a.evr, b.evr) >= 0 ? a : b));
      borrowed.push(`${e.name}-${evr}.${e.arch} (from ${src.evr})`);
    }
    const self = [`${e.name} = ${evr}`, ...(e.arch === 'noarch' ? [] : [`${e.name}(${isaOf(e.arch)}) = ${evr}`])];
    // A borrowed build's own versioned self-provides would be wrong: replace them by this EVR.
    const provides = src ? [...self, ...src.provides.filter((d) => !d.startsWith(`${e.name} `) && !d.startsWith(`${e.name}(`))] : self;
    return {
      name: e.name,
      arch: e.arch,
      epoch: e.epoch,
      version: e.version,
      release: e.release,
      evr,
      repo: '@installed',
      provides,
      requires: src?.requires ?? [],
      conflicts: src?.conflicts ?? [],
      obsoletes: src?.obsoletes ?? [],
      recommends: src?.recommends ?? [],
      supplements: src?.supplements ?? [],
      files: src?.files ?? [],
    };
  });
  return { pkgs, borrowed };
}

/** rpm's `%{_isa}` name for an arch: x86_64 → x86-64, i686 → x86-32 (as in `bash(x86-64)`). */
function isaOf(arch: string): string {
  if (arch === 'x86_64') return 'x86-64';
  if (/^i[3-6]86$/.test(arch)) return 'x86-32';
  if (arch === 'aarch64') return 'aarch-64';
  if (arch === 'ppc64le') return 'ppc-64';
  if (arch === 's390x') return 's390-64';
  return arch;
}
