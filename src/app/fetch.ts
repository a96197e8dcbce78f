/**
 * The fetch flow, without printing: lockfile → validated → every artifact downloaded and verified
 * into the cache → copied into an output folder with SHA256SUMS and a copy of the lock. Also the
 * pieces install shares: lock loading, the architecture check, and "all artifacts verified".
 */
import { randomBytes } from 'node:crypto';
import { copyFile, link, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { ReproError } from '../core/errors.js';
import { parseLockfile, readLockfile } from '../core/lockfile/read.js';
import type { LockedPackage, Lockfile } from '../core/lockfile/schema.js';
import { ContentCache, defaultCacheDir } from '../core/net/cache.js';
import { artifactOf, downloadArtifacts, mirrorsFrom, type DownloadResult } from '../core/net/download.js';
import type { ProgressSink } from '../core/net/progress.js';
import type { NetOptions } from './context.js';

export interface ArtifactRunOptions extends NetOptions {
  /** Parallel downloads (default 8). */
  jobs?: number;
  /** Extra mirror base URLs (--mirror); REPRO_GET_MIRROR from `env` is added after them. */
  mirrors?: string[];
  env?: NodeJS.ProcessEnv;
  /** Allow oci:// mirrors on a loopback address over plain HTTP (--insecure). */
  insecureRegistry?: boolean;
  progress?: ProgressSink;
  log?: (line: string) => void;
  /** Called once per HTTP request (tests, the bench). */
  onAttempt?: (url: string) => void;
  /** The machine's architecture in the lock's naming; defaults to the running one (tests override). */
  machineArch?: string;
}

/** Reads and validates a lockfile; also returns its exact text (fetch writes a copy of it). */
export async function loadLock(path: string): Promise<{ lock: Lockfile; text: string }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return { lock: await readLockfile(path), text: '' }; // throws readLockfile's LOCKFILE error
  }
  return { lock: parseLockfile(text, path), text };
}

// Node's process.arch in each family's naming (the lock's `architectures` use the family's names).
const MACHINE_ARCH: Record<Lockfile['family'], Partial<Record<string, string>>> = {
  apt: { x64: 'amd64', arm64: 'arm64', ia32: 'i386', arm: 'armhf', ppc64: 'ppc64el', s390x: 's390x', riscv64: 'riscv64', loong64: 'loong64' },
  dnf: { x64: 'x86_64', arm64: 'aarch64', ppc64: 'ppc64le', s390x: 's390x' },
  apk: { x64: 'x86_64', arm64: 'aarch64', ia32: 'x86', arm: 'armv7', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' },
  pacman: { x64: 'x86_64', arm64: 'aarch64' },
};

export function machineArch(family: Lockfile['family'], nodeArch: string = process.arch): string {
  return MACHINE_ARCH[family][nodeArch] ?? nodeArch;
}

/** A lock for another machine fails before any download (its packages would not run here). */
export function checkArch(lock: Lockfile, file: string, machine = machineArch(lock.family), forFetch = false): void {
  if (lock.architectures[0] === machine) return;
  throw new ReproError('ARCH', `${file} is for ${lock.architectures[0]}, but this machine is ${machine}.`, {
    hint: forFetch
      ? 'To download packages for another machine, add --any-arch.'
      : `Install it on ${lock.architectures[0]} (a machine or image of that architecture), or lock for ${machine} with \`repro-get lock --arch ${machine}\`.`,
  });
}

const RESERVED = new Set(['SHA256SUMS', 'repro-get.lock.yaml']);

/** The file name fetch writes each package to; unique, safe, and not one of fetch's own files. */
export function outputNames(lock: Lockfile, file: string): Map<LockedPackage, string> {
  const names = new Map<LockedPackage, string>();
  const seen = new Map<string, LockedPackage>();
  const problems: string[] = [];
  for (const p of lock.packages) {
    const b = basename(p.filename);
    const other = seen.get(b);
    if (other && other.sha256 !== p.sha256) problems.push(`${b} is the file name of both ${other.name} ${other.version} ${other.arch} and ${p.name} ${p.version} ${p.arch}`);
    else if (!/^[A-Za-z0-9+_~:%@=-][A-Za-z0-9.+_~:%@=-]*$/.test(b) || RESERVED.has(b)) problems.push(`${p.name} ${p.version}: file name ${JSON.stringify(b)} is not allowed in an output folder`);
    seen.set(b, p);
    names.set(p, b);
  }
  if (problems.length) throw new ReproError('LOCKFILE', `${file}: ${problems.join('; ')}.`);
  return names;
}

/**
 * Downloads and verifies every artifact of the lock, then runs `use` with package → verified file.
 * `use` never runs unless every artifact verified. With cache: false (--no-cache) the files live
 * in a temporary cache that is deleted when `use` returns.
 */
export async function withVerifiedArtifacts<T>(
  lock: Lockfile,
  opts: ArtifactRunOptions,
  use: (files: Map<LockedPackage, string>, stats: DownloadResult) => Promise<T>,
): Promise<T> {
  const mirrors = mirrorsFrom(opts.mirrors, opts.env ?? process.env, { insecure: opts.insecureRegistry });
  // Registry credentials are looked up only when an oci:// mirror is given.
  const closeAuth = mirrors.some((m) => m.kind === 'store' && m.oci) ? (await import('../core/oci/mirror-auth.js')).attachRegistryAuth(mirrors, opts.env ?? process.env) : undefined;
  const tempDir = opts.cache === false ? await mkdtemp(join(tmpdir(), 'repro-get-nocache-')) : undefined;
  const cache = new ContentCache(tempDir ?? opts.cacheDir ?? defaultCacheDir(opts.env));
  try {
    const stats = await downloadArtifacts(lock.packages.map(artifactOf), {
      cache,
      jobs: opts.jobs,
      mirrors,
      retries: opts.retries,
      timeoutMs: opts.timeoutMs,
      totalTimeoutMs: opts.totalTimeoutMs,
      backoffMs: opts.backoffMs,
      progress: opts.progress,
      onAttempt: opts.onAttempt,
    });
    opts.log?.(`verified ${lock.packages.length} artifact(s): ${stats.fetched} downloaded, ${stats.cached} from the cache`);
    return await use(new Map(lock.packages.map((p) => [p, stats.paths.get(p.sha256)!])), stats);
  } finally {
    await closeAuth?.();
    if (tempDir) await rm(tempDir, { recursive: true, force: true });
  }
}

export interface FetchRunOptions extends ArtifactRunOptions {
  /** Skip the architecture check (fetching for another machine). */
  anyArch?: boolean;
}

export interface FetchSummary {
  outDir: string;
  files: number;
  bytes: number;
  downloaded: number;
  cached: number;
}

export async function fetchLocked(lockPath: string, outDir: string, opts: FetchRunOptions = {}): Promise<FetchSummary> {
  const { lock, text } = await loadLock(lockPath);
  if (!opts.anyArch) checkArch(lock, lockPath, opts.machineArch ?? machineArch(lock.family), true);
  const names = outputNames(lock, lockPath);
  const out = resolve(outDir);
  const existing = await stat(out).catch(() => undefined);
  if (existing && !existing.isDirectory()) throw new ReproError('USAGE', `--out ${outDir} exists and is not a folder.`);

  return withVerifiedArtifacts(lock, opts, async (files, stats) => {
    // Everything verified: now build the folder's contents beside it (or inside it, hidden) and
    // move them in, so an interrupted copy never leaves a half-filled output folder behind.
    const stagingParent = existing ? out : dirname(out);
    await mkdir(stagingParent, { recursive: true });
    const staging = join(stagingParent, `.repro-get-fetch-${randomBytes(6).toString('hex')}`);
    await mkdir(staging);
    try {
      const sums = new Map<string, string>(); // file name → sha256; one entry for a file locked twice
      for (const p of lock.packages) {
        const name = names.get(p)!;
        if (sums.has(name)) continue;
        await placeFile(files.get(p)!, join(staging, name));
        sums.set(name, p.sha256);
      }
      // The format `sha256sum -c` reads: digest, two spaces, name; sorted by name (byte order).
      const lines = [...sums].sort((a, b) => cmp(a[0], b[0])).map(([name, sha]) => `${sha}  ${name}\n`);
      await writeFile(join(staging, 'SHA256SUMS'), lines.join(''));
      await writeFile(join(staging, 'repro-get.lock.yaml'), text);
      if (existing) {
        for (const name of [...new Set(names.values()), 'SHA256SUMS', 'repro-get.lock.yaml']) await rename(join(staging, name), join(out, name));
        await rm(staging, { recursive: true, force: true });
      } else {
        await rename(staging, out);
      }
    } catch (e) {
      await rm(staging, { recursive: true, force: true });
      throw e;
    }
    return { outDir: out, files: names.size, bytes: lock.packages.reduce((s, p) => s + p.size, 0), downloaded: stats.fetched, cached: stats.cached };
  });
}

/** Hard link from the cache when on the same file system (instant, no extra space), else a copy. */
async function placeFile(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch {
    await copyFile(from, to);
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
