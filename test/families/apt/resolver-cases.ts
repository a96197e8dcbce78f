/**
 * Small hand-built repositories for the resolver, each with the outcome apt 2.6 gives (checked
 * against the oracle by resolver.test.ts). `install` lists `name=version` (`name:arch=version` for
 * foreign architectures), `remove` lists names; `error` is the ReproError code when apt refuses.
 */

/** One stanza: amd64 unless `Architecture` is given. */
export function P(name: string, version = '1', fields: Record<string, string> = {}): string {
  const lines = [`Package: ${name}`, `Version: ${version}`, `Architecture: ${fields.Architecture ?? 'amd64'}`];
  for (const [k, v] of Object.entries(fields)) if (k !== 'Architecture') lines.push(`${k}: ${v}`);
  return lines.join('\n');
}

export function repo(...stanzas: string[]): string {
  return stanzas.map((s) => s + '\n').join('\n');
}

/** A status file: the same stanzas marked installed. */
export function status(...stanzas: string[]): string {
  return repo(...stanzas.map((s) => s.replace(/\n/, '\nStatus: install ok installed\n')));
}

export interface CasePin {
  package: string;
  version?: string;
  /** A source index: becomes `Pin: release n=s<index>` for apt and the source id `s<index>` for repro. */
  source?: number;
  priority: number;
}

export interface ResolverCase {
  name: string;
  sources: string[];
  status?: string;
  requests: string[];
  pins?: CasePin[];
  installRecommends?: boolean;
  foreignArchs?: string[];
  install?: string[];
  remove?: string[];
  error?: 'NOT_FOUND' | 'NO_VERSION' | 'UNSATISFIABLE' | 'CONFLICT';
  /** Substrings the error message must contain. */
  message?: string[];
}

export const CASES: ResolverCase[] = [
  {
    name: 'plain dependency chain',
    sources: [repo(P('a', '1', { Depends: 'b' }), P('b', '2', { Depends: 'c (>= 1)' }), P('c', '1.5'))],
    requests: ['a'],
    install: ['a=1', 'b=2', 'c=1.5'],
  },
  {
    name: 'versioned dependency picks the newer source',
    sources: [repo(P('a', '1', { Depends: 'b (>= 2)' }), P('b', '1')), repo(P('b', '2'))],
    requests: ['a'],
    install: ['a=1', 'b=2'],
  },
  {
    name: 'versioned dependency nobody satisfies',
    sources: [repo(P('a', '1', { Depends: 'b (= 1.1)' }), P('b', '1.0'), P('c', '1', { Depends: 'a' }))],
    requests: ['c'],
    error: 'UNSATISFIABLE',
    message: ['c → a → b (= 1.1): not installable (available: 1.0)'],
  },
  {
    name: 'first alternative wins',
    sources: [repo(P('a', '1', { Depends: 'x | y' }), P('x'), P('y'))],
    requests: ['a'],
    install: ['a=1', 'x=1'],
  },
  {
    name: 'uninstallable first alternative falls through',
    sources: [repo(P('a', '1', { Depends: 'x | y' }), P('x', '1', { Depends: 'missing' }), P('y'))],
    requests: ['a'],
    install: ['a=1', 'y=1'],
  },
  {
    name: 'an installed alternative is used',
    sources: [repo(P('a', '1', { Depends: 'x | y' }), P('x'), P('y'))],
    status: status(P('y')),
    requests: ['a'],
    install: ['a=1'],
  },
  {
    name: 'virtual package with one provider',
    sources: [repo(P('a', '1', { Depends: 'www-browser' }), P('lynx', '2.9', { Provides: 'www-browser' }))],
    requests: ['a'],
    install: ['a=1', 'lynx=2.9'],
  },
  {
    name: 'virtual package with several providers takes the later one (higher package ID)',
    sources: [repo(P('a', '1', { Depends: 'www-browser' }), P('lynx', '1', { Provides: 'www-browser' }), P('w3m', '1', { Provides: 'www-browser' }))],
    requests: ['a'],
    install: ['a=1', 'w3m=1'],
  },
  {
    name: 'provider priority beats package ID',
    sources: [repo(P('a', '1', { Depends: 'v' }), P('p1', '1', { Provides: 'v', Priority: 'standard' }), P('p2', '1', { Provides: 'v', Priority: 'optional' }))],
    requests: ['a'],
    install: ['a=1', 'p1=1'],
  },
  {
    name: 'Essential provider beats priority',
    sources: [repo(P('a', '1', { Depends: 'v' }), P('p1', '1', { Provides: 'v', Priority: 'required' }), P('p2', '1', { Provides: 'v', Essential: 'yes', Priority: 'optional' }))],
    requests: ['a'],
    install: ['a=1', 'p2=1'],
  },
  {
    name: 'the named package beats a provider',
    sources: [repo(P('a', '1', { Depends: 'v' }), P('p', '1', { Provides: 'v', Priority: 'required' }), P('v', '1', { Priority: 'extra' }))],
    requests: ['a'],
    install: ['a=1', 'v=1'],
  },
  {
    name: 'an installed provider is used',
    sources: [repo(P('a', '1', { Depends: 'v' }), P('p1', '1', { Provides: 'v' }), P('p2', '1', { Provides: 'v' }))],
    status: status(P('p1', '1', { Provides: 'v' })),
    requests: ['a'],
    install: ['a=1'],
  },
  {
    name: 'requesting a virtual package with one provider',
    sources: [repo(P('lynx', '2.9', { Provides: 'www-browser' }))],
    requests: ['www-browser'],
    install: ['lynx=2.9'],
  },
  {
    name: 'requesting a virtual package with several providers is refused',
    sources: [repo(P('lynx', '1', { Provides: 'www-browser' }), P('w3m', '1', { Provides: 'www-browser' }))],
    requests: ['www-browser'],
    error: 'NOT_FOUND',
    message: ['lynx', 'w3m'],
  },
  {
    name: 'requesting a name only referred to is refused',
    sources: [repo(P('a', '1', { Depends: 'ghost' }))],
    requests: ['ghost'],
    error: 'NOT_FOUND',
  },
  {
    name: 'unknown name, with close names',
    sources: [repo(P('python3'), P('python3-minimal'))],
    requests: ['pyhton3'],
    error: 'NOT_FOUND',
    message: ['python3'],
  },
  {
    name: 'name=version picks an older version',
    sources: [repo(P('a', '1'), P('a', '2'))],
    requests: ['a=1'],
    install: ['a=1'],
  },
  {
    name: 'name=version that does not exist',
    sources: [repo(P('a', '1'), P('a', '2'))],
    requests: ['a=3'],
    error: 'NO_VERSION',
    message: ['1', '2'],
  },
  {
    name: 'versioned Provides satisfy versioned dependencies',
    sources: [repo(P('a', '1', { Depends: 'v (>= 2)' }), P('p1', '1', { Provides: 'v (= 1)' }), P('p2', '1', { Provides: 'v (= 2)' }))],
    requests: ['a'],
    install: ['a=1', 'p2=1'],
  },
  {
    name: 'an unversioned Provides never satisfies a versioned dependency',
    sources: [repo(P('a', '1', { Depends: 'v (>= 1)' }), P('p', '1', { Provides: 'v' }))],
    requests: ['a'],
    error: 'UNSATISFIABLE',
  },
  {
    name: 'Pre-Depends then Depends',
    sources: [repo(P('a', '1', { 'Pre-Depends': 'b', Depends: 'c | b' }), P('b'), P('c'))],
    requests: ['a'],
    install: ['a=1', 'b=1'],
  },
  {
    name: 'missing Pre-Depends is refused',
    sources: [repo(P('a', '1', { 'Pre-Depends': 'nothere (>= 1)' }))],
    requests: ['a'],
    error: 'UNSATISFIABLE',
  },
  {
    name: 'two requested packages that conflict',
    sources: [repo(P('a', '1', { Conflicts: 'b' }), P('b'))],
    requests: ['a', 'b'],
    error: 'CONFLICT',
  },
  {
    name: 'a conflict steers an or-group',
    sources: [repo(P('a', '1', { Depends: 'x | y' }), P('x', '1', { Conflicts: 'c' }), P('y'), P('c'))],
    requests: ['c', 'a'],
    install: ['a=1', 'c=1', 'y=1'],
  },
  {
    name: 'Breaks removes an installed package',
    sources: [repo(P('a', '1', { Breaks: 'old' }), P('old'))],
    status: status(P('old')),
    requests: ['a'],
    install: ['a=1'],
    remove: ['old'],
  },
  {
    name: 'Conflicts with an installed Essential package is refused',
    sources: [repo(P('a', '1', { Conflicts: 'base' }), P('base', '1', { Essential: 'yes' }))],
    status: status(P('base', '1', { Essential: 'yes' })),
    requests: ['a'],
    error: 'CONFLICT',
  },
  {
    name: 'Conflicts with an installed Protected package is refused',
    sources: [repo(P('a', '1', { Conflicts: 'init' }), P('init', '1', { Protected: 'yes' }))],
    status: status(P('init', '1', { Protected: 'yes' })),
    requests: ['a'],
    error: 'CONFLICT',
  },
  {
    name: 'a conflicting installed package is upgraded when the new version is fine',
    sources: [repo(P('a', '1', { Conflicts: 'b (<< 2)' }), P('b', '2'))],
    status: status(P('b', '1')),
    requests: ['a'],
    install: ['a=1', 'b=2'],
  },
  {
    name: 'self-conflicting provider (the mail-transport-agent pattern)',
    sources: [
      repo(
        P('mutt', '1', { Depends: 'default-mta | mail-transport-agent' }),
        P('postfix', '3', { Provides: 'mail-transport-agent', Conflicts: 'mail-transport-agent', Replaces: 'mail-transport-agent' }),
        P('exim4-daemon-light', '4', { Provides: 'mail-transport-agent', Conflicts: 'mail-transport-agent' }),
      ),
    ],
    requests: ['postfix', 'mutt'],
    install: ['mutt=1', 'postfix=3'],
  },
  {
    name: 'Multi-Arch: allowed satisfies :any',
    sources: [repo(P('a', '1', { Depends: 'perl:any' }), P('perl', '5.36', { 'Multi-Arch': 'allowed' }))],
    requests: ['a'],
    install: ['a=1', 'perl=5.36'],
  },
  {
    name: ':any is not satisfied by Multi-Arch: foreign',
    sources: [repo(P('a', '1', { Depends: 'tool:any' }), P('tool', '1', { 'Multi-Arch': 'foreign' }))],
    requests: ['a'],
    error: 'UNSATISFIABLE',
  },
  {
    name: ':any is not satisfied without Multi-Arch',
    sources: [repo(P('a', '1', { Depends: 'tool:any' }), P('tool', '1'))],
    requests: ['a'],
    error: 'UNSATISFIABLE',
  },
  {
    name: ':any satisfied by an allowed provider',
    sources: [repo(P('a', '1', { Depends: 'v:any' }), P('p', '1', { Provides: 'v', 'Multi-Arch': 'allowed' }))],
    requests: ['a'],
    install: ['a=1', 'p=1'],
  },
  {
    name: 'Architecture: all counts as native, Multi-Arch: same is just a package',
    sources: [repo(P('a', '1', { Architecture: 'all', Depends: 'libx' }), P('libx', '1', { 'Multi-Arch': 'same' }))],
    requests: ['a'],
    install: ['a=1', 'libx=1'],
  },
  {
    name: 'the same version in two sources comes from the first',
    sources: [repo(P('a', '1', { Depends: 'b' }), P('b', '2')), repo(P('b', '2'), P('b', '1'))],
    requests: ['a'],
    install: ['a=1', 'b=2'],
  },
  {
    name: 'a version pin selects an older version',
    sources: [repo(P('a', '1'), P('a', '2'), P('b', '1', { Depends: 'a' }))],
    pins: [{ package: 'a', version: '1*', priority: 900 }],
    requests: ['b'],
    install: ['a=1', 'b=1'],
  },
  {
    name: 'a low source pin prefers the other source',
    sources: [repo(P('a', '1')), repo(P('a', '2'))],
    pins: [{ package: '*', source: 1, priority: 100 }],
    requests: ['a'],
    install: ['a=1'],
  },
  {
    name: 'a negative pin forbids a version',
    sources: [repo(P('a', '1'), P('a', '2'), P('b', '1', { Depends: 'a (>= 2) | c' }), P('c'))],
    pins: [{ package: 'a', version: '2', priority: -1 }],
    requests: ['b'],
    install: ['b=1', 'c=1'],
  },
  {
    name: 'everything pinned away: no candidate',
    sources: [repo(P('a', '1'))],
    pins: [{ package: 'a', priority: -10 }],
    requests: ['a'],
    error: 'NOT_FOUND',
  },
  {
    name: 'Recommends are ignored by default',
    sources: [repo(P('a', '1', { Recommends: 'b', Suggests: 'c' }), P('b'), P('c'))],
    requests: ['a'],
    install: ['a=1'],
  },
  {
    name: 'Recommends are followed when asked, and may fail',
    sources: [repo(P('a', '1', { Recommends: 'b, nothere' }), P('b', '1', { Recommends: 'd' }), P('d'))],
    requests: ['a'],
    installRecommends: true,
    install: ['a=1', 'b=1', 'd=1'],
  },
  {
    name: 'an installed base satisfies dependencies',
    sources: [repo(P('a', '1', { Depends: 'libc (>= 2)' }), P('libc', '2'))],
    status: status(P('libc', '2')),
    requests: ['a'],
    install: ['a=1'],
  },
  {
    name: 'an installed package is upgraded for a versioned dependency',
    sources: [repo(P('a', '1', { Depends: 'libc (>= 3)' }), P('libc', '3'))],
    status: status(P('libc', '2')),
    requests: ['a'],
    install: ['a=1', 'libc=3'],
  },
  {
    name: 'request order matters: a first',
    sources: [repo(P('b', '1', { Depends: 'y' }), P('a', '1', { Depends: 'x | y' }), P('x'), P('y'))],
    requests: ['a', 'b'],
    install: ['a=1', 'b=1', 'x=1', 'y=1'],
  },
  {
    name: 'request order matters: b first',
    sources: [repo(P('b', '1', { Depends: 'y' }), P('a', '1', { Depends: 'x | y' }), P('x'), P('y'))],
    requests: ['b', 'a'],
    install: ['a=1', 'b=1', 'y=1'],
  },
  {
    name: 'a requested package satisfies another one\'s or-group',
    sources: [repo(P('a', '1', { Depends: 'x | b' }), P('b'), P('x'))],
    requests: ['a', 'b'],
    install: ['a=1', 'b=1'],
  },
  {
    name: 'helpers of a failed alternative are garbage collected',
    sources: [repo(P('a', '1', { Depends: 'x | y' }), P('x', '1', { Depends: 'h, missing' }), P('h'), P('y'))],
    requests: ['a'],
    install: ['a=1', 'y=1'],
  },
  {
    name: 'protection spreads along single solutions',
    sources: [repo(P('a', '1', { Depends: 'b' }), P('b'), P('c', '1', { Conflicts: 'b' }))],
    requests: ['a', 'c'],
    error: 'CONFLICT',
  },
  {
    name: 'circular dependencies',
    sources: [repo(P('a', '1', { Depends: 'b' }), P('b', '1', { Depends: 'a' }))],
    requests: ['a'],
    install: ['a=1', 'b=1'],
  },
  {
    name: 'already installed at the candidate: nothing to do',
    sources: [repo(P('a', '1'))],
    status: status(P('a', '1')),
    requests: ['a'],
    install: [],
  },
  {
    name: 'a dependency on a package that is only pinned away',
    sources: [repo(P('a', '1', { Depends: 'b' }), P('b', '1'))],
    pins: [{ package: 'b', priority: -1 }],
    requests: ['a'],
    error: 'UNSATISFIABLE',
  },
  {
    name: 'a requested conflict removes an installed non-essential package',
    sources: [repo(P('new-init', '1', { Conflicts: 'old-init', Provides: 'init-system' }), P('old-init', '1', { Provides: 'init-system' }))],
    status: status(P('old-init', '1', { Provides: 'init-system' })),
    requests: ['new-init'],
    install: ['new-init=1'],
    remove: ['old-init'],
  },
  {
    name: 'removing a conflict breaks an installed dependant, which the resolver removes too',
    sources: [repo(P('new', '1', { Conflicts: 'lib1' }), P('lib1'), P('user', '1', { Depends: 'lib1' }))],
    status: status(P('lib1'), P('user', '1', { Depends: 'lib1' })),
    requests: ['new'],
    install: ['new=1'],
    remove: ['lib1', 'user'],
  },
  {
    name: 'foreign architecture request and Multi-Arch: foreign dependency',
    sources: [
      repo(
        P('app', '1', { Architecture: 'i386', Depends: 'libz, tool' }),
        P('libz', '1', { Architecture: 'i386', 'Multi-Arch': 'same' }),
        P('libz', '1', { 'Multi-Arch': 'same' }),
        P('tool', '1', { 'Multi-Arch': 'foreign' }),
        P('tool', '1', { Architecture: 'i386', 'Multi-Arch': 'foreign' }),
      ),
    ],
    foreignArchs: ['i386'],
    requests: ['app:i386'],
    install: ['app:i386=1', 'libz:i386=1', 'tool=1'],
  },
  {
    name: 'the problem resolver re-instates another provider (the libadwaita-1-0 runit-init pattern)',
    sources: [
      repo(
        P('app', '1', { Depends: 'default-dbus-session-bus | dbus-session-bus' }),
        P('dbus-user-session', '1', { Provides: 'default-dbus-session-bus, dbus-session-bus', Depends: 'libpam-systemd' }),
        P('dbus-x11', '1', { Provides: 'dbus-session-bus' }),
        P('libpam-systemd', '1', { Depends: 'systemd-sysv' }),
        P('systemd-sysv'),
        P('runit-init', '1', { Conflicts: 'systemd-sysv' }),
      ),
    ],
    requests: ['app', 'runit-init'],
    install: ['app=1', 'dbus-x11=1', 'runit-init=1'],
  },
  {
    name: 'Multi-Arch: same with an installed sibling is preferred',
    sources: [
      repo(
        P('a', '1', { Depends: 'v' }),
        P('libfoo', '1', { 'Multi-Arch': 'same', Provides: 'v' }),
        P('libfoo', '1', { Architecture: 'i386', 'Multi-Arch': 'same', Provides: 'v' }),
        P('other', '1', { Provides: 'v' }),
      ),
    ],
    status: status(P('libfoo', '1', { Architecture: 'i386', 'Multi-Arch': 'same', Provides: 'v' })),
    foreignArchs: ['i386'],
    requests: ['a'],
    install: ['a=1', 'libfoo=1'],
  },
  {
    name: 'Recommends with an or-group and a conflict when following recommends',
    sources: [repo(P('a', '1', { Recommends: 'x | y', Depends: 'c' }), P('x', '1', { Conflicts: 'c' }), P('y'), P('c'))],
    installRecommends: true,
    requests: ['a'],
    install: ['a=1', 'c=1', 'y=1'],
  },
  {
    name: 'with Recommends on, an installed package\'s old unmet Recommends stay unmet',
    sources: [repo(P('lib', '1', { Recommends: 'helper' }), P('helper'), P('app', '1', { Depends: 'lib', Recommends: 'extra' }), P('extra'))],
    status: status(P('lib', '1', { Recommends: 'helper' })),
    installRecommends: true,
    requests: ['app'],
    install: ['app=1', 'extra=1'],
  },
  {
    name: 'installing one binary upgrades the installed binaries of the same source version (Upgrade-By-Source-Package)',
    sources: [
      repo(
        P('pg-client', '15+2', { Source: 'pg-common (2)', Depends: 'pg-client-15' }),
        P('pg-common', '2'),
        P('pg', '15+2', { Source: 'pg-common (2)' }),
        P('pg-other', '3', { Source: 'pg-common' }),
        P('pg-client-15', '15.1'),
      ),
    ],
    status: status(P('pg-common', '1'), P('pg', '15+1', { Source: 'pg-common (1)' }), P('pg-other', '1', { Source: 'pg-common' }), P('pg-client-15', '15.1')),
    requests: ['pg-client'],
    install: ['pg-client=15+2', 'pg-common=2', 'pg=15+2'],
  },
  {
    name: 'a dependency upgraded as a dependency also upgrades its source siblings',
    sources: [repo(P('app', '1', { Depends: 'libx (>= 2)' }), P('libx', '2', { Source: 'x' }), P('x-data', '2', { Source: 'x', Architecture: 'all' }))],
    status: status(P('libx', '1', { Source: 'x' }), P('x-data', '1', { Source: 'x', Architecture: 'all' })),
    requests: ['app'],
    install: ['app=1', 'libx=2', 'x-data=2'],
  },
  {
    name: 'upgrading a package upgrades an installed one whose exact dependency it would break',
    // `unrelated` stays last: with an upgraded package as the list's last stanza, the oracle's apt -s
    // stops at "Can't find a source to download version" (a quirk of the harness's lists, not of the plan).
    sources: [repo(P('tool', '2', { Depends: 'tool-data (= 2)' }), P('tool-data', '2', { Source: 'td' }), P('plugin', '2', { Depends: 'tool (= 2)' }), P('unrelated'))],
    status: status(P('tool', '1', { Depends: 'tool-data (= 1)' }), P('tool-data', '1', { Source: 'td' }), P('plugin', '1', { Depends: 'tool (= 1)' })),
    requests: ['tool'],
    install: ['plugin=2', 'tool=2', 'tool-data=2'],
  },
  {
    name: 'an installed package that cannot follow an upgrade it depends on exactly is removed',
    sources: [repo(P('tool', '2'), P('plugin', '1', { Depends: 'tool (= 1)' }))],
    status: status(P('tool', '1'), P('plugin', '1', { Depends: 'tool (= 1)' })),
    requests: ['tool'],
    install: ['tool=2'],
    remove: ['plugin'],
  },
];
