/**
 * A body announced larger than allowed (a file of another size than the signed one) is refused
 * before it is read, and dropping it raises no stray error: such an error escaped as an uncaught
 * exception and would have crashed the CLI.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ReproError } from '../../../src/core/errors.js';
import { Http } from '../../../src/core/net/http.js';
import { startMirror, type Mirror } from '../../support/mirror.js';

let m: Mirror;
beforeAll(async () => {
  const root = mkdtempSync(join(tmpdir(), 'rg-http-limit-'));
  writeFileSync(join(root, 'big'), Buffer.alloc(4096, 1));
  m = await startMirror({ root });
});
afterAll(async () => m?.close());

it('refuses a Content-Length above the expected size with a typed error and nothing uncaught', async () => {
  const http = new Http({ retries: 0 });
  try {
    const e = await http.get([`${m.url}/big`], { what: 'big', expect: { size: 100 } }).then(() => undefined, (x: unknown) => x);
    expect(e).toBeInstanceOf(ReproError);
    expect((e as ReproError).message).toMatch(/announced 4096 bytes, more than the 100 allowed/);
  } finally {
    await http.close();
  }
});
