/**
 * An optional allow-list of hosts: `REPRO_GET_ALLOWED_HOSTS=127.0.0.1,mirror.corp` makes every HTTP
 * request to another host fail at once, before any DNS lookup or connection. For air-gapped builds
 * that must never fall back to a public archive, and for the hermetic tests (vitest.config.ts sets
 * it to loopback), where a fallback to a snapshot URL must not leave the machine.
 */
export function hostRefusal(url: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const list = env.REPRO_GET_ALLOWED_HOSTS?.trim();
  if (!list) return undefined;
  let host: string;
  try {
    host = new URL(url).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  } catch {
    return `not a URL: ${url}`;
  }
  const allowed = list.split(/[\s,]+/).filter(Boolean).map((h) => h.toLowerCase());
  return allowed.includes(host) ? undefined : `host ${host} is not in REPRO_GET_ALLOWED_HOSTS (${allowed.join(', ')}); not contacted`;
}
