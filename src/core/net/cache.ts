/**
 * Content-addressed cache: `<dir>/sha256/<hex>`. A file is only ever written under the name of its
 * own verified digest (temporary file, then rename), so a reader that finds a name can trust it
 * after one re-hash; a file that no longer matches (disk rot, tampering) is deleted and reported as
 * a miss. Shared by metadata (lock) and artifacts (fetch/install).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile, open } from 'node:fs/promises';
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

  /** Like read() but only checks the file by streaming it; for large artifacts. */
  async has(sha256: string, size?: number): Promise<boolean> {
    const p = this.pathOf(sha256);
    try {
      const st = await stat(p);
      if (size !== undefined && st.size !== size) throw new Error('size');
      const h = createHash('sha256');
      for await (const chunk of createReadStream(p)) h.update(chunk as Buffer);
      if (h.digest('hex') === sha256) return true;
    } catch {
      /* missing or unreadable: a miss */
    }
    await rm(p, { force: true });
    return false;
  }

  /** Stores verified bytes. Refuses (throws) if the bytes do not hash to `sha256`. */
  async write(sha256: string, data: Uint8Array): Promise<string> {
    const actual = sha256Hex(data);
    if (actual !== sha256) throw new Error(`cache write refused: expected ${sha256}, got ${actual}`);
    const p = this.pathOf(sha256);
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
    await mkdir(join(this.dir, 'tmp'), { recursive: true });
    return join(this.dir, 'tmp', `${process.pid}-${randomBytes(6).toString('hex')}`);
  }

  /** Moves an already-verified temporary file into place under its digest. */
  async adopt(tmp: string, sha256: string): Promise<string> {
    const p = this.pathOf(sha256);
    await mkdir(join(this.dir, 'sha256'), { recursive: true });
    // fsync before rename so a crash cannot leave a named-but-empty file
    const fh = await open(tmp, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, p);
    return p;
  }

  /**
   * Derived data: results computed from verified content (e.g. a resolved base system), stored
   * under a key that digests every input. Only our own computations live here; a missing or
   * unreadable entry is simply recomputed.
   */
  async readDerived(key: string): Promise<string | undefined> {
    if (!/^[0-9a-f]{64}$/.test(key)) throw new Error(`not a derived-data key: ${key}`);
    try {
      return await readFile(join(this.dir, 'derived', key), 'utf8');
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
