/** A minimal ustar writer for crafting (also deliberately broken) databases in tests. */
export interface TarFile {
  path: string;
  data?: string | Buffer;
  /** '0' file (default), '5' folder, '2' symlink, 'x' pax header. */
  type?: string;
}

function header(path: string, size: number, type: string): Buffer {
  const h = Buffer.alloc(512);
  h.write(path.slice(0, 100), 0, 'utf8');
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(size.toString(8).padStart(11, '0') + '\0', 124);
  h.write('14176470321\0', 136);
  h.write('        ', 148);
  h.write(type, 156);
  h.write('ustar\0' + '00', 257);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  return h;
}

export function writeTar(files: TarFile[], opts: { end?: boolean } = {}): Buffer {
  const parts: Buffer[] = [];
  for (const f of files) {
    const data = typeof f.data === 'string' ? Buffer.from(f.data) : (f.data ?? Buffer.alloc(0));
    parts.push(header(f.path, data.length, f.type ?? '0'), data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  if (opts.end !== false) parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

/** A desc file from field → values. */
export function desc(fields: Record<string, string | string[]>): string {
  return Object.entries(fields).map(([k, v]) => `%${k}%\n${(Array.isArray(v) ? v : [v]).join('\n')}\n`).join('\n');
}

/** A one-package database entry with sensible defaults. */
export function entry(name: string, version: string, extra: Record<string, string | string[]> = {}): TarFile[] {
  const d = desc({ FILENAME: `${name}-${version}-x86_64.pkg.tar.zst`, NAME: name, VERSION: version, CSIZE: '100', SHA256SUM: 'a'.repeat(64), ARCH: 'x86_64', ...extra });
  return [{ path: `${name}-${version}/`, type: '5' }, { path: `${name}-${version}/desc`, data: d }];
}
