/**
 * One package's entry in a sync database: the `desc` file (and, in databases written before
 * pacman 4.2, a separate `depends` file), `%FIELD%` headers each followed by value lines up to a
 * blank line. Every field repo-add writes is read; unknown fields are skipped as libalpm skips them.
 */
import { ReproError } from '../../core/errors.js';
import { parseDepend, type Depend } from './depend.js';

export interface PacmanPackage {
  name: string;
  version: string;
  /** Repository (source id) it came from; '' for installed packages known only by a listing. */
  repo: string;
  filename: string;
  base?: string;
  desc?: string;
  groups: string[];
  /** %CSIZE%: size of the package file. */
  csize?: number;
  isize?: number;
  md5?: string;
  sha256?: string;
  /** %PGPSIG%: base64 detached signature of the package file. */
  pgpsig?: string;
  url?: string;
  license: string[];
  arch: string;
  builddate?: number;
  packager?: string;
  depends: Depend[];
  optdepends: Depend[];
  /**
   * Build dependencies, as written (`name>=ver`): nothing installs or resolves them, and they are
   * the most numerous field of a database, so they are not turned into Depend objects up front
   * (parseDepend them when needed).
   */
  makedepends: string[];
  checkdepends: string[];
  conflicts: Depend[];
  provides: Depend[];
  replaces: Depend[];
}

export const DESC_LIMITS = { maxLine: 64 * 1024, maxValues: 100_000 };

type Kind = 'one' | 'list' | 'deps' | 'int';
const FIELDS: Record<string, [Kind, keyof PacmanPackage]> = {
  FILENAME: ['one', 'filename'],
  NAME: ['one', 'name'],
  BASE: ['one', 'base'],
  VERSION: ['one', 'version'],
  DESC: ['one', 'desc'],
  GROUPS: ['list', 'groups'],
  CSIZE: ['int', 'csize'],
  ISIZE: ['int', 'isize'],
  MD5SUM: ['one', 'md5'],
  SHA256SUM: ['one', 'sha256'],
  PGPSIG: ['one', 'pgpsig'],
  URL: ['one', 'url'],
  LICENSE: ['list', 'license'],
  ARCH: ['one', 'arch'],
  BUILDDATE: ['int', 'builddate'],
  PACKAGER: ['one', 'packager'],
  DEPENDS: ['deps', 'depends'],
  OPTDEPENDS: ['deps', 'optdepends'],
  MAKEDEPENDS: ['list', 'makedepends'],
  CHECKDEPENDS: ['list', 'checkdepends'],
  CONFLICTS: ['deps', 'conflicts'],
  PROVIDES: ['deps', 'provides'],
  REPLACES: ['deps', 'replaces'],
};

export function emptyPackage(repo: string): PacmanPackage {
  return {
    name: '', version: '', repo, filename: '', arch: '', groups: [], license: [],
    depends: [], optdepends: [], makedepends: [], checkdepends: [], conflicts: [], provides: [], replaces: [],
  };
}

/**
 * Reads one desc-format file into `pkg`. `seen` is shared between the desc and depends files of
 * one entry so a field given twice is refused. `file` is the name used in `file:line` messages.
 */
export function readDesc(text: string, file: string, pkg: PacmanPackage, seen: Set<string>): void {
  const fail = (line: number, msg: string): never => {
    throw new ReproError('FORMAT', `${file}:${line}: ${msg}`);
  };
  const rec = pkg as unknown as Record<string, unknown>;
  const n = text.length;
  let pos = 0;
  let line = 0;
  /** The next line (without "\n"), or undefined at the end. */
  const next = (): string | undefined => {
    if (pos >= n) return undefined;
    let end = text.indexOf('\n', pos);
    if (end < 0) end = n;
    const l = text.slice(pos, end);
    pos = end + 1;
    line++;
    if (l.length > DESC_LIMITS.maxLine) throw new ReproError('LIMIT', `${file}:${line}: line of ${l.length} characters exceeds ${DESC_LIMITS.maxLine}`);
    return l.charCodeAt(l.length - 1) === 13 ? l.slice(0, -1) : l;
  };
  for (let head = next(); head !== undefined; head = next()) {
    if (head === '') continue;
    if (head.length < 3 || head.charCodeAt(0) !== 37 || head.charCodeAt(head.length - 1) !== 37 || !/^%[A-Z0-9]+%$/.test(head)) {
      fail(line, `expected a %FIELD% header, found "${head.slice(0, 80)}"`);
    }
    const key = head.slice(1, -1);
    const headLine = line;
    const values: string[] = [];
    for (let v = next(); v !== undefined && v !== ''; v = next()) {
      if (values.length >= DESC_LIMITS.maxValues) throw new ReproError('LIMIT', `${file}:${line}: %${key}% has more than ${DESC_LIMITS.maxValues} values`);
      values.push(v);
    }
    const spec = FIELDS[key];
    if (!spec) continue; // unknown to this version: skipped, as libalpm does
    if (seen.has(key)) fail(headLine, `%${key}% given twice`);
    seen.add(key);
    const [kind, prop] = spec;
    if (kind === 'list') rec[prop] = values;
    else if (kind === 'deps') rec[prop] = values.map(parseDepend);
    else {
      if (values.length !== 1) fail(headLine, `%${key}% must have exactly one value, has ${values.length}`);
      if (kind === 'int') {
        if (!/^\d{1,15}$/.test(values[0])) fail(headLine + 1, `%${key}% "${values[0].slice(0, 40)}" is not a number`);
        rec[prop] = Number(values[0]);
      } else rec[prop] = values[0];
    }
  }
}
