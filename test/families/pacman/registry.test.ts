import { describe, expect, it } from 'vitest';
import { getFamily, versionComparator } from '../../../src/families/index.js';

describe('the pacman family in the registry', () => {
  it('is available with lock, install and Dockerfile lines', async () => {
    const f = await getFamily('pacman');
    expect(f.name).toBe('pacman');
    expect(typeof f.lock).toBe('function');
    expect(typeof f.install).toBe('function');
    expect(f.dockerfile?.installFromDir).toBeTypeOf('function');
    expect(f.compareVersions('1:0.5-1', '1.0-1')).toBe(1);
  });
  it('gives `repro-get vercmp --family pacman` (and alpm) the vercmp order', async () => {
    for (const name of ['pacman', 'alpm']) {
      const cmp = await versionComparator(name);
      expect([cmp('1.0a', '1.0'), cmp('1.0', '1.0.a'), cmp('1.5-1', '1.5'), cmp('2:1', '1:9')]).toEqual([-1, -1, 0, 1]);
    }
  });
});
