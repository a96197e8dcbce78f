import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import type { Spec } from '../../../src/core/spec.js';
import { planRepos, readPacmanDistro, storeUrl } from '../../../src/families/pacman/distro.js';

const arch = readPacmanDistro(YAML.parse(readFileSync(fileURLToPath(new URL('../../../distros/arch.yaml', import.meta.url)), 'utf8')));
const spec = (o: Partial<Spec> = {}): Spec => ({ dir: '/', distro: 'arch', snapshot: '2024-05-01T00:00:00Z', architectures: [], mirrors: [], keyrings: [], repos: [], packages: [], ...o });

describe('distros/arch.yaml planning', () => {
  it('plans core and extra of the snapshot day on the archive, in priority order', () => {
    const p = planRepos(arch, undefined, spec());
    expect(p.arch).toBe('x86_64');
    expect(p.repos).toEqual([
      { id: 'core', url: 'https://archive.archlinux.org/repos/2024/05/01/core/os/x86_64/', mirror: undefined, store: true },
      { id: 'extra', url: 'https://archive.archlinux.org/repos/2024/05/01/extra/os/x86_64/', mirror: undefined, store: true },
    ]);
  });
  it('includes community before the May 2023 merge, and multilib only when asked', () => {
    expect(planRepos(arch, undefined, spec({ snapshot: '2023-05-20T12:00:00Z' })).repos.map((r) => r.id)).toEqual(['core', 'extra', 'community']);
    expect(planRepos(arch, undefined, spec({ snapshot: '2023-05-21T00:00:00Z' })).repos.map((r) => r.id)).toEqual(['core', 'extra']);
    expect(planRepos(arch, undefined, spec({ suites: ['core', 'extra', 'multilib'] })).repos.map((r) => r.id)).toEqual(['core', 'extra', 'multilib']);
  });
  it('puts a mirror in the Arch mirror layout and the user\'s own repositories after the distro\'s', () => {
    const p = planRepos(arch, undefined, spec({ mirrors: [{ url: 'http://m.example/arch/' }], repos: [{ id: 'mine', url: 'https://r.example/mine/', untrusted: false, keyrings: [] }] }));
    expect(p.repos.map((r) => [r.id, r.mirror, r.store])).toEqual([
      ['core', 'http://m.example/arch/core/os/x86_64/', true],
      ['extra', 'http://m.example/arch/extra/os/x86_64/', true],
      ['mine', undefined, false],
    ]);
  });
  it('gives the permanent store URL by first letter and name', () => {
    expect(storeUrl(arch, 'vim', 'vim-9.0-1-x86_64.pkg.tar.zst')).toBe('https://archive.archlinux.org/packages/v/vim/vim-9.0-1-x86_64.pkg.tar.zst');
  });
  it('refuses what it cannot honour, saying what would work', () => {
    expect(() => planRepos(arch, 'rolling', spec())).toThrowError(/rolling distro/);
    expect(() => planRepos(arch, undefined, spec({ snapshot: undefined }))).toThrowError(/no snapshot given/);
    expect(() => planRepos(arch, undefined, spec({ architectures: ['aarch64'] }))).toThrowError(/no architecture "aarch64" \(known: x86_64\)/);
    expect(() => planRepos(arch, undefined, spec({ suites: ['core', 'comunity'] }))).toThrowError(/Did you mean community/);
    expect(() => planRepos(arch, undefined, spec({ mirrors: [{ archive: 'x', url: 'http://m/' }] }))).toThrowError(/one archive/);
  });
});
