import { describe, expect, it } from 'vitest';
import { loadDistro, loadDistroSync } from '../../src/core/distros.js';

describe('loadDistroSync', () => {
  it('reads the same data as loadDistro', async () => {
    for (const d of ['debian:bookworm', 'fedora:40', 'rpm']) expect(loadDistroSync(d)).toEqual(await loadDistro(d));
  });

  it('names close distros when one is unknown, as loadDistro does', async () => {
    const sync = (() => {
      try {
        loadDistroSync('fedorra:40');
      } catch (e) {
        return e as Error;
      }
    })();
    await expect(loadDistro('fedorra:40')).rejects.toThrow(sync!.message);
    expect(sync!.message).toMatch(/^unknown distro "fedorra" \(known: .*fedora.*\)\. Did you mean fedora\?$/);
  });
});
