import { describe, expect, it } from 'vitest';
import { hostRefusal } from '../../../src/core/net/allowed-hosts.js';
import { Http } from '../../../src/core/net/http.js';

describe('REPRO_GET_ALLOWED_HOSTS', () => {
  it('refuses other hosts before any lookup, allows the listed ones, and allows all when unset', () => {
    const env = { REPRO_GET_ALLOWED_HOSTS: '127.0.0.1, mirror.corp ::1' };
    expect(hostRefusal('http://127.0.0.1:8080/x', env)).toBeUndefined();
    expect(hostRefusal('https://MIRROR.corp/debian/', env)).toBeUndefined();
    expect(hostRefusal('http://[::1]:9/x', env)).toBeUndefined();
    expect(hostRefusal('https://snapshot.debian.org/archive/', env)).toMatch(/host snapshot\.debian\.org is not in REPRO_GET_ALLOWED_HOSTS/);
    expect(hostRefusal('https://anything.example/', {})).toBeUndefined();
  });

  it('is in force in the hermetic tests, so a fallback never leaves the machine', async () => {
    expect(process.env.REPRO_GET_ALLOWED_HOSTS).toContain('127.0.0.1');
    const http = new Http({ retries: 3, backoffMs: 1 });
    await expect(http.get(['https://snapshot.debian.org/archive/debian/'], { what: 'x' })).rejects.toThrow(/not in REPRO_GET_ALLOWED_HOSTS.*not contacted/);
    await http.close();
  });
});
