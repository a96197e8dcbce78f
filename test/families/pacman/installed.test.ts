import { describe, expect, it } from 'vitest';
import { installedFromListing, parsePacmanQ } from '../../../src/families/pacman/installed.js';
import { repo } from './support/synthetic.js';

describe('--installed: a `pacman -Q` listing', () => {
  it('reads name and version per line, epochs included', () => {
    expect(parsePacmanQ('bash 5.1.016-1\npython 3:3.10.6-1\n\n# comment\n', 'q.txt')).toEqual([
      { name: 'bash', version: '5.1.016-1' },
      { name: 'python', version: '3:3.10.6-1' },
    ]);
  });
  it('refuses malformed lines with file:line, duplicates, and overlong lines', () => {
    expect(() => parsePacmanQ('bash 5.1-1\nnot a listing line\n', 'q.txt')).toThrowError(/q\.txt:2: expected "name version"/);
    expect(() => parsePacmanQ('bash 5.1-1\nbash 5.2-1\n', 'q.txt')).toThrowError(/q\.txt:2: bash is listed twice/);
    expect(() => parsePacmanQ(`x ${'1'.repeat(5000)}\n`, 'q.txt')).toThrowError(expect.objectContaining({ code: 'LIMIT' }));
  });
  it('borrows provides and dependencies from the snapshot: same version first, else same name', () => {
    const core = repo('core', { 'bash 5.2-1': { provides: ['sh'], depends: ['glibc'] }, 'zsh 5.9-1': { provides: ['sh'] } });
    const r = installedFromListing([{ name: 'bash', version: '5.1-1' }, { name: 'zsh', version: '5.9-1' }, { name: 'local-thing', version: '1-1' }], [core]);
    expect(r.packages.map((p) => [p.name, p.version, p.provides.map((d) => d.name), p.repo])).toEqual([
      ['bash', '5.1-1', ['sh'], ''],
      ['zsh', '5.9-1', ['sh'], ''],
      ['local-thing', '1-1', [], ''],
    ]);
    expect(r.borrowed).toEqual(['bash 5.1-1']);
    expect(r.unknown).toEqual(['local-thing 1-1']);
  });
});
