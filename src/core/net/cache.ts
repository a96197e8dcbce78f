/**
 * Content-addressed cache: `<dir>/sha256/<hex>`. A file is only ever written under the name of its
 * own verified digest (temporary file, then rename), so a reader that finds a name can trust it
 * after one re-hash; a file that no longer matches (disk rot, tampering) is deleted and reported as
 * a miss. Shared by metadata (lock) and artifacts (fetch/install).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile, open, type FileHandle } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { sha256Hex } from '../hash.js';

export function defaultCacheDir(env = process.env): string {
  if (env.REPRO_GET_CACHE) return env.REPRO_GET_CACHE;
  if (process.getuid?.() === 0 && !env.XDG_CACHE_HOME) return '/var/cache/repro-get';
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'repro-get');
}

export class ContentCache {
  constructor(readonly dir: string) {}

  pathOf(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`not a sha256: ${sha256}`);
    return join(this.dir, 'sha256', sha256);
  }

  /** Returns the bytes if present and intact, else undefined (a corrupt entry is removed). */
  async read(sha256: string): Promise<Buffer | undefined> {
    const p = this.pathOf(sha256);
    let data: Buffer;
    try {
      data = await readFile(p);
    } catch {
      return undefined;
    }
    if (sha256Hex(data) !== sha256) {
      await rm(p, { force: true });
      return undefined;
    }
    return data;
  }

  /**
   * Like read() but only checks the file, reading it in 1 MiB blocks into a reused buffer (a read
   * stream's 64 KiB chunks cost 16 times the reads and a fresh buffer each); for large artifacts.
   */
  async has(sha256: string, size?: number): Promise<boolean> {
    const p = this.pathOf(sha256);
    let fh: FileHandle;
    try {
      fh = await open(p, 'r');
    } catch {
      return false; // missing (or unreadable: then rm below would fail the same way)
    }
    let ok = false;
    const buf = this.buffers.pop() ?? Buffer.allocUnsafe(1 << 20);
    try {
      const st = await fh.stat();
      if (size === undefined || st.size === size) {
        const h = createHash('sha256');
        for (let n; (n = (await fh.read(buf, 0, buf.length, null)).bytesRead) > 0; ) h.update(buf.subarray(0, n));
        ok = h.digest('hex') === sha256;
      }
    } catch {
      /* unreadable: a miss */
    } finally {
      this.buffers.push(buf);
      await fh.close().catch(() => {});
    }
    if (!ok) await rm(p, { force: true });
    return ok;
  }

  /** Read buffers of has(), reused across calls (one per concurrent check). */
  private readonly buffers: Buffer[] = [];

  /** Stores verified bytes. Refuses (throws) if the bytes do not hash to `sha256`. */
  async write(sha256: string, data: Uint8Array): Promise<string> {
    const actual = sha256Hex(data);
    if (actual !== sha256) throw new Error(`cache write refused: expected ${sha256}, got ${actual}`);
    const p = this.pathOf(sha256);
    // Already there (a root file fetched again on every lock): keep it. It was verified when
    // written, and a copy damaged since is caught and deleted by read()/has(), which re-hash.
    if ((await stat(p).catch(() => undefined))?.size === data.length) return p;
    await mkdir(join(this.dir, 'sha256'), { recursive: true });
    const tmp = `${p}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      await writeFile(tmp, data);
      await rename(tmp, p);
    } finally {
      await rm(tmp, { force: true });
    }
    return p;
  }

  /**
   * A second name for a cached entry, for files an index names by another digest than sha256
   * (e.g. a checksum of part of the file): `<dir>/alias/<ns>/<key>` holds the sha256. It only
   * points into the content-addressed store, so read() still re-verifies the bytes, and the caller
   * re-checks its own identity on them; a stale or broken alias is just a miss.
   */
  async readAlias(ns: string, key: string): Promise<string | undefined> {
    const text = await readFile(this.aliasPath(ns, key), 'utf8').catch(() => undefined);
    return text !== undefined && /^[0-9a-f]{64}$/.test(text.trim()) ? text.trim() : undefined;
  }

  async writeAlias(ns: string, key: string, sha256: string): Promise<void> {
    const p = this.aliasPath(ns, key);
    this.pathOf(sha256); // validates the digest
    await mkdir(join(this.dir, 'alias', ns), { recursive: true });
    const tmp = `${p}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      await writeFile(tmp, sha256 + '\n');
      await rename(tmp, p);
    } finally {
      await rm(tmp, { force: true });
    }
  }

  private aliasPath(ns: string, key: string): string {
    const ok = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
    if (!ok.test(ns) || !ok.test(key)) throw new Error(`not a cache alias name: ${ns}/${key}`);
    return join(this.dir, 'alias', ns, key);
  }

  /** A temporary path inside the cache folder (same file system, so rename is atomic). */
  async tempPath(): Promise<string> {
    await this.folder('tmp');
    return join(this.dir, 'tmp', `${process.pid}-${randomBytes(6).toString('hex')}`);
  }

  /**
   * Moves an already-verified temporary file into place under its digest. `synced`: the caller
   * has already fdatasync'ed it (through the handle it wrote with).
   */
  async adopt(tmp: string, sha256: string, opts: { synced?: boolean } = {}): Promise<string> {
    const p = this.pathOf(sha256);
    await this.folder('sha256');
    // The data must be on disk before the name is (rename), so a crash can never leave a file
    // named by a digest but holding fewer bytes. fdatasync: the file's size is flushed with the
    // data, its times need not be.
    if (!opts.synced) {
      const fh = await open(tmp, 'r');
      try {
        await fh.datasync();
      } finally {
        await fh.close();
      }
    }
    await rename(tmp, p);
    return p;
  }

  /** mkdir -p of a folder in the cache, once per instance (150 artifacts would ask 300 times). */
  private folder(name: string): Promise<unknown> {
    let made = this.made.get(name);
    if (!made) {
      made = mkdir(join(this.dir, name), { recursive: true });
      made.catch(() => this.made.delete(name)); // retried on the next call
      this.made.set(name, made);
    }
    return made;
  }

  private readonly made = new Map<string, Promise<unknown>>();

  /**
   * Derived data: results computed from verified content (e.g. a resolved base system), stored
   * under a key that digests every input. Only our own computations live here; a missing or
   * unreadable entry is simply recomputed.
   */
  async readDerived(key: string): Promise<string | undefined> {
    if (!/^[0-9a-f]{64}$/.test(key)) throw new Error(`not a derived-data key: ${key}`);
    try {
      // Decoded in one piece: readFile(…, 'utf8') decodes 512 KiB chunks into a rope that JSON.parse
      // must flatten first (a 4 MB pacman entry: read + parse ~180 -> ~150 ms CPU under load).
      return (await readFile(join(this.dir, 'derived', key))).toString('utf8');
    } catch {
      return undefined;
    }
  }

  async writeDerived(key: string, text: string): Promise<void> {
    if (!/^[0-9a-f]{64}$/.test(key)) throw new Error(`not a derived-data key: ${key}`);
    await mkdir(join(this.dir, 'derived'), { recursive: true });
    const p = join(this.dir, 'derived', key);
    const tmp = `${p}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      await writeFile(tmp, text);
      await rename(tmp, p);
    } finally {
      await rm(tmp, { force: true });
    }
  }
}
