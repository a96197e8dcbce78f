/**
 * Reads the control stanza of a .deb file (ar archive → control.tar[.gz|.xz|.zst] → ./control)
 * without dpkg-deb, so the installer can plan (and --dry-run) on any host. Only called on files
 * whose sha256 already matched the lock; the bounds below are against mistakes, not attackers.
 */
import { open } from 'node:fs/promises';
import { ReproError } from '../../core/errors.js';
import { compressionOf, decompress } from '../../core/decompress.js';
import { parseStanzas, type Stanza } from './deb822.js';

const AR_MAGIC = '!<arch>\n';
const MAX_CONTROL_TAR = 64 * 1024 * 1024;

export async function readDebControl(file: string): Promise<Stanza> {
  const bad = (why: string) => new ReproError('FORMAT', `${file}: not a Debian package: ${why}.`);
  const fh = await open(file, 'r');
  try {
    const { size } = await fh.stat();
    const magic = Buffer.alloc(8);
    await fh.read(magic, 0, 8, 0);
    if (magic.toString('latin1') !== AR_MAGIC) throw bad('no ar header');
    // Members: debian-binary, control.tar*, data.tar*; control comes before the (large) data.
    for (let pos = 8; pos + 60 <= size; ) {
      const h = Buffer.alloc(60);
      await fh.read(h, 0, 60, pos);
      if (h.toString('latin1', 58, 60) !== '`\n') throw bad(`bad ar member header at offset ${pos}`);
      const name = h.toString('latin1', 0, 16).trim().replace(/\/$/, '');
      const len = Number(h.toString('latin1', 48, 58).trim());
      if (!Number.isSafeInteger(len) || len < 0 || pos + 60 + len > size) throw bad(`bad ar member size at offset ${pos}`);
      if (name.startsWith('control.tar')) {
        if (len > MAX_CONTROL_TAR) throw bad(`control member of ${len} bytes`);
        const data = Buffer.alloc(len);
        await fh.read(data, 0, len, pos + 60);
        const tar = await decompress(data, compressionOf(name), `${file}: ${name}`, { maxOutput: 4 * MAX_CONTROL_TAR });
        const text = tarMember(tar, 'control');
        if (text === undefined) throw bad('no control file in control.tar');
        const stanzas = parseStanzas(text.toString('utf8'), `${file}: control`);
        if (stanzas.length !== 1) throw bad(`control holds ${stanzas.length} stanzas`);
        return stanzas[0];
      }
      if (name.startsWith('data.tar')) break;
      pos += 60 + len + (len % 2); // members are 2-byte aligned
    }
    throw bad('no control.tar member');
  } finally {
    await fh.close();
  }
}

/** The bytes of one regular file in a tar archive (ustar, GNU long names, pax paths). */
function tarMember(tar: Buffer, wanted: string): Buffer | undefined {
  let longName: string | undefined;
  for (let pos = 0; pos + 512 <= tar.length; ) {
    const h = tar.subarray(pos, pos + 512);
    if (h.every((b) => b === 0)) return undefined; // end-of-archive blocks
    const field = (start: number, len: number) => {
      const s = h.toString('latin1', start, start + len);
      const nul = s.indexOf('\0');
      return nul === -1 ? s : s.slice(0, nul);
    };
    const size = tarSize(h.subarray(124, 136));
    const type = String.fromCharCode(h[156] || 48);
    const prefix = h.toString('latin1', 257, 262) === 'ustar' ? field(345, 155) : '';
    const body = tar.subarray(pos + 512, pos + 512 + size);
    const name = longName ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100));
    longName = undefined;
    if (type === 'L') longName = body.toString('latin1').replace(/\0.*$/s, '');
    else if (type === 'x') longName = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(body.toString('utf8'))?.[1];
    else if ((type === '0' || type === '7') && name.replace(/^\.\//, '') === wanted) return Buffer.from(body);
    pos += 512 + Math.ceil(size / 512) * 512;
  }
  return undefined;
}

function tarSize(f: Buffer): number {
  if (f[0] & 0x80) {
    // base-256 (GNU) for sizes that do not fit in 11 octal digits
    let n = 0;
    for (let i = 1; i < f.length; i++) n = n * 256 + f[i];
    return n;
  }
  const s = f.toString('latin1').replace(/[\0 ]+$/g, '').trim();
  return s ? parseInt(s, 8) : 0;
}
