/** A minimal ustar writer for crafting (also deliberately broken) archives in tests. */
export interface TarFile {
  path: string;
  data?: string | Buffer;
  /** '0' file (default), '5' folder, '2' symlink, 'x' pax header. */
  type?: string;
}

/** One ustar header block with a valid checksum; `size` is what the header claims. */
export function tarHeader(path: string, size: number, type: string): Buffer {
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

/** Zero bytes up to the next 512-byte block after `n` bytes of data. */
export const tarPad = (n: number): Buffer => Buffer.alloc((512 - (n % 512)) % 512);

export function writeTar(files: TarFile[], opts: { end?: boolean } = {}): Buffer {
  const parts: Buffer[] = [];
  for (const f of files) {
    const data = typeof f.data === 'string' ? Buffer.from(f.data) : (f.data ?? Buffer.alloc(0));
    parts.push(tarHeader(f.path, data.length, f.type ?? '0'), data, tarPad(data.length));
  }
  if (opts.end !== false) parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}
