/**
 * A root file (APKINDEX.tar.gz, a pacman .db) from the first of several URLs whose bytes also pass
 * the family's own check (signature, parse). Fetcher.fetchRoot moves on only when a transfer
 * fails; here a copy the check refuses (a corrupt or wrongly signed file on one mirror) moves on to
 * the next URL as well, so the permanent URL can cure a bad mirror. If no URL passes, the error
 * keeps the first refusal's code and names every URL and why it failed.
 */
import { ReproError } from '../errors.js';
import type { Fetcher } from './fetcher.js';

export async function fetchCheckedRoot<T>(
  fetcher: Fetcher,
  urls: string[],
  what: string,
  check: (data: Buffer, url: string) => T | Promise<T>,
  opts: { maxBytes?: number; pinned?: string } = {},
): Promise<T> {
  const refused: ReproError[] = [];
  let rest = urls;
  while (rest.length) {
    let r: { data: Buffer; url: string };
    try {
      // A pinned cache copy is tried only first: after a refusal, fresh bytes from the next URLs.
      r = await fetcher.fetchRoot(rest, what, opts.maxBytes, refused.length ? undefined : opts.pinned);
    } catch (e) {
      if (!refused.length || !(e instanceof ReproError)) throw e;
      throw merged(refused, e);
    }
    try {
      return await check(r.data, r.url);
    } catch (e) {
      if (!(e instanceof ReproError)) throw e;
      refused.push(e);
      const at = rest.indexOf(r.url);
      rest = at < 0 ? [] : rest.slice(at + 1);
    }
  }
  throw merged(refused);
}

function merged(refused: ReproError[], network?: ReproError): ReproError {
  if (refused.length === 1 && !network) return refused[0];
  const [first] = refused;
  const all = [...refused, ...(network ? [network] : [])];
  return new ReproError(first.code, all.map((e) => e.message).join('\n'), { hint: first.hint, detail: first.detail });
}
