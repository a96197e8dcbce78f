/**
 * The oracle: real `apt-get install -s` over exactly the Packages texts and status we give it.
 *
 * apt reads only the lists its sources.list names, so each source becomes a `file:/repoN` entry
 * (marked `trusted=yes`, no signature needed) whose list files we write straight into a private
 * lists folder, with a small Release beside them so `Pin: release n=<suite>` works. Everything
 * apt would otherwise take from the machine goes through one private APT_CONFIG file: the system's
 * apt.conf.d, preferences and sources are never read, caches are disabled (a stale pkgcache.bin
 * with an equal mtime would silently answer for another case), and nothing is locked.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface OracleSource {
  /** Suite (and codename) written in the Release: what `Pin: release n=…` matches. */
  suite: string;
  /** A Packages index; stanzas of every architecture may be mixed, they are split per list file. */
  packages: string;
}

export interface OracleInput {
  sources: (OracleSource | string)[];
  /** dpkg status text; empty when omitted. */
  status?: string;
  /** Command-line arguments: `name`, `name:arch`, `name=version`. */
  requests: string[];
  nativeArch?: string;
  foreignArchs?: string[];
  installRecommends?: boolean;
  /** apt_preferences(5) text. */
  preferences?: string;
}

export interface OraclePkg {
  name: string;
  version: string;
  arch: string;
}

export interface OracleResult {
  /** apt's exit status: 0, or 100 when it refuses. */
  exitCode: number;
  install: OraclePkg[];
  remove: OraclePkg[];
  /** `E:` lines when apt refused. */
  errors: string[];
  /** Everything apt printed, for failure messages. */
  output: string;
}

/** True when this machine can run the oracle (apt-get present). */
export function aptAvailable(): boolean {
  return spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** A source's suite name: explicit, or `s<index>` for bare texts. */
export function sourceSuite(s: OracleSource | string, i: number): string {
  return typeof s === 'string' ? `s${i}` : s.suite;
}

function sourceText(s: OracleSource | string): string {
  return typeof s === 'string' ? s : s.packages;
}

function stanzas(text: string): string[] {
  return text
    .split(/\n[ \t]*\n/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function fieldOf(stanza: string, name: string): string | undefined {
  const m = new RegExp(`^${name}:[ \\t]*(.*)$`, 'mi').exec(stanza);
  return m?.[1].trim();
}

/**
 * The list files apt reads for one source, in the order apt reads them: the native architecture's
 * (which also carries `Architecture: all`) then each foreign one. Resolver tests feed their
 * `available` in this same order so package IDs agree.
 */
export function listTexts(text: string, nativeArch: string, foreignArchs: string[] = []): { arch: string; text: string }[] {
  // A real index (single architecture, every stanza downloadable) is written as is: splitting 45 MB
  // with regular expressions would cost seconds per oracle run.
  if (foreignArchs.length === 0 && count(text, '\nFilename:') + (text.startsWith('Filename:') ? 1 : 0) === count(text, '\nPackage:') + (text.startsWith('Package:') ? 1 : 0)) {
    return [{ arch: nativeArch, text }];
  }
  const out = [nativeArch, ...foreignArchs].map((arch) => ({ arch, parts: [] as string[] }));
  for (const s of stanzas(text)) {
    const a = fieldOf(s, 'Architecture');
    const slot = out.find((o) => o.arch === (a === 'all' ? nativeArch : a));
    // apt cannot download a stanza without Filename, so simulate needs one; the resolver ignores it.
    if (slot) slot.parts.push(fieldOf(s, 'Filename') ? s : `${s}\nFilename: pool/${fieldOf(s, 'Package')}.deb\nSize: 1`);
  }
  return out.map((o) => ({ arch: o.arch, text: o.parts.map((p) => p + '\n').join('\n') }));
}

function count(text: string, needle: string): number {
  let n = 0;
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length)) n++;
  return n;
}

function parseLine(rest: string, nativeArch: string): OraclePkg | undefined {
  // "name[:arch] [oldver] (ver release [arch])" or "name[:arch] [ver]"
  const m = /^(\S+)(?: \[([^\]]+)\])?(?: \((\S+) [^[]*\[([^\]]+)\]\))?/.exec(rest);
  if (!m) return undefined;
  const [name, qualifier] = m[1].split(':');
  return { name, version: m[3] ?? m[2] ?? '', arch: m[4] ?? qualifier ?? nativeArch };
}

/**
 * A private apt state folder holding exactly the given lists, status and preferences. Without
 * `dir` it is a fresh temp folder and apt's binary caches are off; with a persistent `dir` (the
 * live test, many requests over one 50 MB index) the files are rewritten only when the input
 * changes and apt's caches are kept, which apt revalidates against each file's size and mtime.
 */
export class AptState {
  readonly dir: string;
  private readonly temporary: boolean;
  readonly native: string;

  constructor(input: Omit<OracleInput, 'requests'>, dir?: string) {
    this.native = input.nativeArch ?? 'amd64';
    this.temporary = dir === undefined;
    this.dir = dir ?? mkdtempSync(join(tmpdir(), 'apt-oracle-'));
    const key = createHash('sha256').update(JSON.stringify(input)).digest('hex');
    const keyFile = join(this.dir, 'input.sha256');
    if (!this.temporary && existsSync(keyFile) && readFileSync(keyFile, 'utf8') === key) return;
    if (!this.temporary) rmSync(this.dir, { recursive: true, force: true });
    this.write(input, !this.temporary);
    writeFileSync(keyFile, key);
  }

  private write(input: Omit<OracleInput, 'requests'>, caches: boolean): void {
    const dir = this.dir;
    const native = this.native;
    const foreign = input.foreignArchs ?? [];
    for (const d of ['lists', 'etc/empty', 'cache/archives/partial', 'state', 'log']) mkdirSync(join(dir, d), { recursive: true });
    const sourcesList: string[] = [];
    input.sources.forEach((s, i) => {
      const suite = sourceSuite(s, i);
      const prefix = join(dir, 'lists', `_repo${i}_dists_${suite}_`);
      for (const { arch, text } of listTexts(sourceText(s), native, foreign)) writeFileSync(`${prefix}main_binary-${arch}_Packages`, text);
      writeFileSync(
        `${prefix}Release`,
        `Origin: repro\nLabel: repro\nSuite: ${suite}\nCodename: ${suite}\nArchitectures: ${[native, ...foreign].join(' ')}\nComponents: main\nDate: Sat, 01 Jan 2000 00:00:00 UTC\n`,
      );
      sourcesList.push(`deb [trusted=yes arch=${[native, ...foreign].join(',')}] file:/repo${i} ${suite} main`);
    });
    writeFileSync(join(dir, 'etc/sources.list'), sourcesList.join('\n') + '\n');
    writeFileSync(join(dir, 'status'), input.status ?? '');
    const prefs = join(dir, 'etc/preferences');
    writeFileSync(prefs, input.preferences ?? '');
    const conf = [
      `Dir "${dir}/root/";`,
      `Dir::State "${dir}/state/";`,
      `Dir::State::status "${dir}/status";`,
      `Dir::State::Lists "${dir}/lists/";`,
      `Dir::Cache "${dir}/cache/";`,
      // A fresh folder gets fresh files whose mtimes may repeat a previous run's: no caches there.
      `Dir::Cache::pkgcache "${caches ? 'pkgcache.bin' : ''}";`,
      `Dir::Cache::srcpkgcache "${caches ? 'srcpkgcache.bin' : ''}";`,
      `Dir::Etc "${dir}/etc/";`,
      `Dir::Etc::SourceList "${dir}/etc/sources.list";`,
      `Dir::Etc::SourceParts "${dir}/etc/empty/";`,
      `Dir::Etc::Parts "${dir}/etc/empty/";`,
      `Dir::Etc::Main "/dev/null";`,
      `Dir::Etc::Preferences "${prefs}";`,
      `Dir::Etc::PreferencesParts "${dir}/etc/empty/";`,
      `Dir::Log "${dir}/log/";`,
      `Debug::NoLocking "1";`,
      `APT::Architecture "${native}";`,
      `APT::Architectures { ${[native, ...foreign].map((a) => `"${a}";`).join(' ')} };`,
      `APT::Install-Recommends "${input.installRecommends ? 1 : 0}";`,
      `APT::Install-Suggests "0";`,
      // Debian's own default (its apt.conf.d/01autoremove); the resolver follows the same rule.
      `APT::AutoRemove::SuggestsImportant "false";`,
      `quiet "1";`,
    ];
    writeFileSync(join(dir, 'apt.conf'), conf.join('\n') + '\n');
  }

  private spawnArgs(requests: string[]) {
    return {
      args: ['install', '-s', ...requests],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', APT_CONFIG: join(this.dir, 'apt.conf'), LANG: 'C', LC_ALL: 'C' },
    };
  }

  run(requests: string[]): OracleResult {
    const { args, env } = this.spawnArgs(requests);
    const r = spawnSync('apt-get', args, { env, encoding: 'utf8', maxBuffer: 64 << 20 });
    return parseOutput(r.status ?? -1, r.stdout, r.stderr, this.native);
  }

  /** The same, without blocking: the live test runs several apt-get processes at once. */
  runAsync(requests: string[]): Promise<OracleResult> {
    const { args, env } = this.spawnArgs(requests);
    return new Promise((resolve, reject) => {
      const child = spawn('apt-get', args, { env });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.on('error', reject);
      child.on('close', (code) => resolve(parseOutput(code ?? -1, stdout, stderr, this.native)));
    });
  }

  dispose(): void {
    if (this.temporary) rmSync(this.dir, { recursive: true, force: true });
  }
}

function parseOutput(exitCode: number, stdout: string, stderr: string, native: string): OracleResult {
  const install: OraclePkg[] = [];
  const remove: OraclePkg[] = [];
  for (const line of stdout.split('\n')) {
    if (line.startsWith('Inst ')) {
      const p = parseLine(line.slice(5), native);
      if (p) install.push(p);
    } else if (line.startsWith('Remv ')) {
      const p = parseLine(line.slice(5), native);
      if (p) remove.push(p);
    }
  }
  const errors = stderr.split('\n').filter((l) => l.startsWith('E: '));
  return { exitCode, install, remove, errors, output: `${stdout}${stderr}` };
}

/** One apt-get install -s run in a throwaway state folder. */
export function runAptOracle(input: OracleInput): OracleResult {
  const state = new AptState(input);
  try {
    return state.run(input.requests);
  } finally {
    state.dispose();
  }
}

/** apt's own version, for reports. */
export function aptVersion(): string {
  return execFileSync('apt-get', ['--version'], { encoding: 'utf8' }).split('\n')[0];
}
