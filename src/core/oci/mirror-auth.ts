/**
 * Gives the download pool's oci:// mirrors their Authorization header. Nothing is asked of the
 * registry until the first blob is (a warm cache makes no request at all).
 */
import type { MirrorBase } from '../net/download.js';
import { RegistryClient } from './client.js';

/** Fills in `authorize` on every oci:// mirror; the returned function releases the connections. */
export function attachRegistryAuth(mirrors: MirrorBase[], env: NodeJS.ProcessEnv = process.env): () => Promise<void> {
  const clients: RegistryClient[] = [];
  for (const m of mirrors) {
    if (m.kind !== 'store' || !m.oci || m.authorize) continue;
    const c = new RegistryClient(m.oci, { env, actions: 'pull' });
    clients.push(c);
    // A refusal is remembered: asking again for each of hundreds of artifacts would not change it.
    let refused: Error | undefined;
    m.authorize = async (renew) => {
      if (refused) throw refused;
      return c.authorization(renew).catch((e: Error) => Promise.reject((refused = e)));
    };
  }
  return async () => void (await Promise.all(clients.map((c) => c.close())));
}
