/** The Debian mirror this machine uses, read at run time (its host name is never written down). */
import { readFileSync } from 'node:fs';

export interface MirrorUrls {
  debian: string;
  security?: string;
}

/** URIs of the stanzas in /etc/apt/sources.list.d/debian.sources whose Suites name bookworm(-security). */
export function debianMirror(file = '/etc/apt/sources.list.d/debian.sources'): MirrorUrls | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const out: Partial<MirrorUrls> = {};
  for (const stanza of text.split(/\n\s*\n/)) {
    const uri = /^URIs:\s*(\S+)/m.exec(stanza)?.[1];
    const suites = /^Suites:\s*(.+)$/m.exec(stanza)?.[1].split(/\s+/) ?? [];
    if (!uri) continue;
    if (suites.includes('bookworm-security')) out.security = uri.replace(/\/?$/, '/');
    else if (suites.includes('bookworm')) out.debian = uri.replace(/\/?$/, '/');
  }
  return out.debian ? (out as MirrorUrls) : undefined;
}

export async function reachable(url: string, timeoutMs = 8000): Promise<boolean> {
  try {
    const r = await fetch(url, { method: 'HEAD', signal: AbortSignal.timeout(timeoutMs) });
    return r.ok;
  } catch {
    return false;
  }
}
