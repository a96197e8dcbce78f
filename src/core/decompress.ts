/**
 * Decompression with hard output limits (a hostile mirror can send a small file that expands
 * without bound). Callers always hash the compressed bytes against signed metadata first: fzstd
 * does not check zstd frame checksums, and none of this is a substitute for the signed digest.
 */
import { spawn } from 'node:child_process';
import { createGunzip, gunzipSync } from 'node:zlib';
import xz from 'xz-decompress';
import { Decompress as ZstdDecompress } from 'fzstd';
import { ReproError } from './errors.js';

export type Compression = 'xz' | 'gz' | 'zst' | 'none';

export interface DecompressLimits {
  /** Largest accepted output in bytes. */
  maxOutput?: number;
  /** Largest accepted output/input ratio (the bomb check); the first MiB of output is always allowed. */
  maxRatio?: number;
}

const DEFAULTS = { maxOutput: 2 * 1024 * 1024 * 1024 - 1, maxRatio: 200 };

export function compressionOf(name: string): Compression {
  if (name.endsWith('.xz')) return 'xz';
  if (name.endsWith('.gz')) return 'gz';
  if (name.endsWith('.zst')) return 'zst';
  return 'none';
}

function limitFor(inputLen: number, limits: DecompressLimits): number {
  const max = limits.maxOutput ?? DEFAULTS.maxOutput;
  const ratio = limits.maxRatio ?? DEFAULTS.maxRatio;
  return Math.min(max, Math.max(1 << 20, inputLen * ratio));
}

function tooBig(what: string, limit: number): ReproError {
  return new ReproError('LIMIT', `${what}: decompressed size exceeds the limit of ${limit} bytes (a decompression bomb, or a limit too small for this index).`);
}

export async function decompress(data: Uint8Array, kind: Compression, what: string, limits: DecompressLimits = {}): Promise<Buffer> {
  const limit = limitFor(data.length, limits);
  try {
    switch (kind) {
      case 'none':
        return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      case 'gz':
        try {
          return gunzipSync(data, { maxOutputLength: limit, chunkSize: gzipChunk(data, limit) });
        } catch (e) {
          if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw tooBig(what, limit);
          throw e;
        }
      case 'zst': {
        const c = collect();
        return c.done(zstd(data, limit, what, c.sink));
      }
      case 'xz': {
        const c = collect();
        return c.done(await xzDecompress(data, limit, what, c.sink));
      }
    }
  } catch (e) {
    if (e instanceof ReproError) throw e;
    throw new ReproError('FORMAT', `${what}: cannot decompress ${kind} data: ${(e as Error).message}`);
  }
}

/**
 * Like `decompress`, but hands the output to `sink` chunk by chunk instead of building one buffer:
 * for indexes too large to hold twice in memory (an RPM primary.xml of 150 MB is parsed as it
 * streams). Same limits and errors; returns the number of bytes produced.
 */
export async function decompressStream(data: Uint8Array, kind: Compression, what: string, sink: (chunk: Uint8Array) => void, limits: DecompressLimits = {}): Promise<number> {
  const limit = limitFor(data.length, limits);
  try {
    switch (kind) {
      case 'none':
        if (data.length > limit) throw tooBig(what, limit);
        sink(data);
        return data.length;
      case 'gz':
        return await gunzipStream(data, limit, what, sink);
      case 'zst':
        return zstd(data, limit, what, sink);
      case 'xz':
        return await xzDecompress(data, limit, what, sink);
    }
  } catch (e) {
    if (e instanceof ReproError) throw e;
    throw new ReproError('FORMAT', `${what}: cannot decompress ${kind} data: ${(e as Error).message}`);
  }
}

/**
 * Output chunk size for gunzipSync: the size the gzip trailer announces (ISIZE, the last member's
 * length mod 2^32), so the output is usually one allocation instead of hundreds of 16 KiB chunks
 * joined at the end (half the time of a 13 MB index). Only a hint: a wrong ISIZE just means more
 * chunks, and it is capped (64 MiB, and the output limit) so a lying trailer cannot make us
 * allocate much up front.
 */
function gzipChunk(data: Uint8Array, limit: number): number {
  const n = data.length;
  const isize = n >= 18 ? (data[n - 4] | (data[n - 3] << 8) | (data[n - 2] << 16) | (data[n - 1] << 24)) >>> 0 : 0;
  return Math.max(16 * 1024, Math.min(isize, limit, 64 * 1024 * 1024));
}

/** Collects a streamed output into one Buffer. */
function collect(): { sink: (c: Uint8Array) => void; done: (total: number) => Buffer } {
  const chunks: Uint8Array[] = [];
  return { sink: (c) => chunks.push(c), done: (total) => Buffer.concat(chunks, total) };
}

/**
 * Output chunk of the gunzip stream: zlib's default 16 KiB costs a round through the stream
 * machinery per 16 KiB; 256 KiB chunks halve the CPU time of a 180 MB primary.xml (0.9 -> 0.5 s).
 */
const GUNZIP_CHUNK = 256 * 1024;

async function gunzipStream(data: Uint8Array, limit: number, what: string, sink: (chunk: Uint8Array) => void): Promise<number> {
  const z = createGunzip({ chunkSize: GUNZIP_CHUNK });
  z.end(data);
  let total = 0;
  for await (const chunk of z as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > limit) {
      z.destroy();
      throw tooBig(what, limit);
    }
    sink(chunk);
  }
  return total;
}

function zstd(data: Uint8Array, limit: number, what: string, sink: (chunk: Uint8Array) => void): number {
  let total = 0;
  const d = new ZstdDecompress((chunk) => {
    total += chunk.length;
    if (total > limit) throw tooBig(what, limit);
    sink(chunk);
  });
  // Push in slices so the limit check runs before a bomb fills memory.
  const step = 1 << 16;
  for (let i = 0; i < data.length; i += step) d.push(data.subarray(i, Math.min(data.length, i + step)), i + step >= data.length);
  if (data.length === 0) d.push(new Uint8Array(0), true);
  return total;
}

/**
 * xz: the system's `xz` when there is one (native, about 2.5x the WebAssembly decoder on the 50 MB
 * bookworm index), else xz-decompress. Both get the same bytes, already checked against the signed
 * digest, and the same output limit. REPRO_GET_XZ=wasm forces the WebAssembly path.
 */
async function xzDecompress(data: Uint8Array, limit: number, what: string, sink: (chunk: Uint8Array) => void): Promise<number> {
  if (process.env.REPRO_GET_XZ !== 'wasm') {
    const n = await xzNative(data, limit, what, sink);
    if (n !== undefined) return n;
  }
  return xzWasm(data, limit, what, sink);
}

/** Runs `xz -dc`; undefined when no xz is installed (nothing was handed to `sink` then). */
function xzNative(data: Uint8Array, limit: number, what: string, sink: (chunk: Uint8Array) => void): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const p = spawn('xz', ['--decompress', '--stdout', '--single-stream', '-q'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let total = 0;
    let started = false;
    let failed: Error | undefined;
    let stderr = '';
    p.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ENOENT' && !started ? resolve(undefined) : reject(e)));
    p.stdout.on('data', (c: Buffer) => {
      if (failed) return;
      started = true;
      total += c.length;
      if (total > limit) {
        failed = tooBig(what, limit);
        p.kill('SIGKILL');
        return;
      }
      sink(c);
    });
    p.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString('utf8')).slice(-500)));
    p.stdin.on('error', () => {}); // xz exits early on corrupt input or when killed
    p.on('close', (code) => {
      if (failed) reject(failed);
      else if (code === 0) resolve(total);
      else reject(new Error(stderr.trim() || `xz exited with ${code}`));
    });
    p.stdin.end(data);
  });
}

async function xzWasm(data: Uint8Array, limit: number, what: string, sink: (chunk: Uint8Array) => void): Promise<number> {
  const input = new ReadableStream<Uint8Array>({
    start(ctrl) {
      ctrl.enqueue(data);
      ctrl.close();
    },
  });
  const reader = new xz.XzReadableStream(input).getReader();
  let total = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      throw tooBig(what, limit);
    }
    sink(value);
  }
  return total;
}
