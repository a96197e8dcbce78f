/**
 * Rollback protection across locks: a mirror can replay an older, validly signed root (InRelease,
 * repomd.xml) to hide security updates. One signature cannot tell old from new, but the lockfile
 * already on disk can: a source whose signed metadata is dated before the date the previous lock
 * recorded for the same source is refused. Asking for an earlier snapshot on purpose is allowed.
 */
import { ReproError } from '../core/errors.js';
import { lockfileSchema, type Lockfile } from '../core/lockfile/schema.js';

/**
 * Whatever a family built from signed-but-hostile metadata must pass the lockfile schema before it
 * is written (file names that escape their folder, malformed digests): the reader would refuse it
 * later anyway, and a lock that cannot be read back must not replace a good one.
 */
export function checkLockShape(next: Lockfile, family: string): void {
  const r = lockfileSchema.safeParse(next);
  if (r.success) return;
  const issues = r.error.issues.slice(0, 5).map((i) => {
    const at = i.path.map(String).join('.');
    const pkg = i.path[0] === 'packages' && typeof i.path[1] === 'number' ? next.packages[i.path[1]] : undefined;
    return `${at}${pkg ? ` (${pkg.name} ${pkg.version} from ${pkg.source})` : ''}: ${i.message}`;
  });
  throw new ReproError('FORMAT', `the ${family} repository metadata gives a lock that is not valid: ${issues.join('; ')}.`, {
    hint: 'The repository metadata is broken or hostile; nothing was written. Use another mirror.',
  });
}

export function checkRollback(previous: Lockfile | undefined, next: Lockfile, previousFile: string, requestedSnapshot?: string): void {
  if (!previous || previous.family !== next.family || previous.distro !== next.distro) return;
  const before = new Map(previous.sources.map((s) => [s.id, s]));
  for (const s of next.sources) {
    const old = before.get(s.id);
    const was = old?.metadata.date;
    const now = s.metadata.date;
    if (!was || !now || Date.parse(now) >= Date.parse(was)) continue;
    // An explicit snapshot earlier than the old metadata means "go back", which is the user's call.
    if (requestedSnapshot && Date.parse(requestedSnapshot) < Date.parse(was)) continue;
    throw new ReproError('SIGNATURE', `${s.id}: ${s.metadata.path} from ${s.mirror ?? s.url} is dated ${now}, older than the ${was} that ${previousFile} recorded for this source: refusing a rollback to older metadata.`, {
      hint: 'A mirror served stale (possibly replayed) signed metadata. Use an up-to-date mirror; to go back on purpose, pass a --snapshot earlier than that date.',
      detail: { source: s.id, date: now, previous: was, lockfile: previousFile },
    });
  }
}
