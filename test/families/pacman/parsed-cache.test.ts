/** The parsed form of a database as derived cache data: ASCII-only JSON that revives to the same packages. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDb } from '../../../src/families/pacman/db.js';
import { encodeParsed, reviveParsed } from '../../../src/families/pacman/parsed-cache.js';
import { realDb } from './support/real-arch.js';

describe('parsed-cache', () => {
  it('round-trips the real extra database through ASCII-only JSON', async () => {
    const packages = await parseDb(readFileSync(realDb('extra')), 'extra', 'extra.db');
    const text = encodeParsed(packages);
    expect(/[^\x00-\x7f]/.test(text)).toBe(false);
    expect(packages.some((p) => /[^\x00-\x7f]/.test(p.desc ?? ''))).toBe(true); // the escaping is exercised
    expect(reviveParsed(text, 'extra', 'extra.db')).toEqual(packages);
  });

  it('escapes astral characters as surrogate pairs', () => {
    const p = { name: 'a', version: '1-1', repo: 'r', filename: 'a-1-1-any.pkg.tar.zst', desc: 'é 😀 ü', groups: [], license: [], arch: 'any', depends: [], optdepends: [], makedepends: [], checkdepends: [], conflicts: [], provides: [], replaces: [] };
    expect(reviveParsed(encodeParsed([p]), 'r', 'x')).toEqual([p]);
  });

  it('treats damaged, foreign or hostile entries as a miss (parsed again from the database)', () => {
    const p = { name: 'a', version: '1-1', repo: 'r', filename: 'a-1-1-any.pkg.tar.zst', groups: [], license: [], arch: 'any', depends: [], optdepends: [], makedepends: [], checkdepends: [], conflicts: [], provides: [], replaces: [] };
    expect(reviveParsed(undefined, 'r', 'x')).toBeUndefined();
    expect(reviveParsed('{"not": "a list"}', 'r', 'x')).toBeUndefined();
    expect(reviveParsed(encodeParsed([p]).slice(0, -3), 'r', 'x')).toBeUndefined();
    expect(reviveParsed(encodeParsed([p]), 'other-repo', 'x')).toBeUndefined();
    expect(reviveParsed(encodeParsed([{ ...p, filename: '../../etc/passwd' }]), 'r', 'x')).toBeUndefined();
    expect(reviveParsed(encodeParsed([{ ...p, depends: undefined as never }]), 'r', 'x')).toBeUndefined();
  });
});
