/**
 * Renderers for a LockDiff: plain text for terminals, Markdown sized for a pull-request comment
 * (summary line, one table per group, long groups collapsed), JSON (the LockDiff itself).
 */
import type { LockDiff, PkgRef, VersionChange } from './model.js';

export type Format = 'text' | 'markdown' | 'json';

export interface RenderOptions {
  /** Link to a package's upstream changelog, where the distro has a stable URL for it. */
  changelog?: (name: string, arch: string, version: string) => string | undefined;
  /** Rows after which a Markdown group is collapsed into <details>. */
  collapseAfter?: number;
}

export function summaryCounts(d: LockDiff): string {
  const parts: [number, string][] = [
    [d.added.length, 'added'],
    [d.removed.length, 'removed'],
    [d.upgraded.length, 'upgraded'],
    [d.downgraded.length, 'downgraded'],
    [d.rebuilt.length, 'rebuilt (same version, new hash)'],
    [d.moved.length, 'moved'],
    [d.sources.added.length + d.sources.removed.length + d.sources.changed.length, 'source changes'],
  ];
  const s = parts.filter(([n]) => n > 0).map(([n, w]) => `${n} ${w}`);
  return s.length ? s.join(', ') : 'no changes';
}

const why = (p: { requested: boolean; pulledInBy: string[] }) => (p.requested ? 'requested' : p.pulledInBy.length ? `via ${p.pulledInBy.join(', ')}` : '');

export function render(d: LockDiff, format: Format, opts: RenderOptions = {}): string {
  if (format === 'json') return JSON.stringify(d, null, 2) + '\n';
  return format === 'markdown' ? markdown(d, opts) : text(d);
}

function text(d: LockDiff): string {
  const out: string[] = [`${d.family} lock: ${summaryCounts(d)}`];
  for (const m of d.meta) out.push(`  ${m.field}: ${fmt(m.from)} → ${fmt(m.to)}`);
  if (d.requested.added.length) out.push(`  newly requested: ${d.requested.added.join(', ')}`);
  if (d.requested.removed.length) out.push(`  no longer requested: ${d.requested.removed.join(', ')}`);
  const group = (title: string, lines: string[]) => {
    if (lines.length) out.push('', `${title} (${lines.length}):`, ...lines.map((l) => `  ${l}`));
  };
  group('SUSPICIOUS: rebuilt with the same version but different bytes', d.rebuilt.map((r) => `${r.name}:${r.arch} ${r.version}  sha256 ${r.fromSha256.slice(0, 12)}… → ${r.toSha256.slice(0, 12)}…  size ${r.fromSize} → ${r.toSize}`));
  group('Downgraded', d.downgraded.map(vc));
  group('Upgraded', d.upgraded.map(vc));
  group('Added', d.added.map(pr));
  group('Removed', d.removed.map(pr));
  group('Moved (same bytes, new location)', d.moved.map((m) => `${m.name}:${m.arch} ${m.version}  ${m.changes.map((c) => `${c.field}: ${fmt(c.from)} → ${fmt(c.to)}`).join('; ')}`));
  group('Sources', [
    ...d.sources.added.map((s) => `+ ${s}`),
    ...d.sources.removed.map((s) => `- ${s}`),
    ...d.sources.changed.map((s) => `~ ${s.id}: ${s.changes.map((c) => `${c.field} ${fmt(c.from)} → ${fmt(c.to)}`).join('; ')}`),
  ]);
  return out.join('\n') + '\n';
}

const vc = (c: VersionChange) => `${c.name}:${c.arch} ${c.from} → ${c.to}${why(c) ? `  (${why(c)})` : ''}`;
const pr = (p: PkgRef) => `${p.name}:${p.arch} ${p.version}${why(p) ? `  (${why(p)})` : ''}`;

function fmt(v: unknown): string {
  if (v === undefined) return '(none)';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** Markdown table cells must not break the table or inject markup. */
function cell(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/[<>]/g, (c) => (c === '<' ? '&lt;' : '&gt;')).replace(/\n/g, ' ');
}

function markdown(d: LockDiff, opts: RenderOptions): string {
  const collapse = opts.collapseAfter ?? 10;
  const link = (name: string, arch: string, version: string) => {
    const u = opts.changelog?.(name, arch, version);
    return u ? `[changelog](${u})` : '';
  };
  const out: string[] = [`### repro-get: ${d.family} lock changes`, '', `**${summaryCounts(d)}**`];
  if (d.rebuilt.length) out.push('', `> [!WARNING]\n> ${d.rebuilt.length} package(s) changed bytes without changing version. A snapshot archive should never do this: check the sources before merging.`);
  if (d.downgraded.length) out.push('', `> [!CAUTION]\n> ${d.downgraded.length} package(s) downgraded.`);
  if (d.meta.length || d.requested.added.length || d.requested.removed.length) {
    out.push('');
    for (const m of d.meta) out.push(`- \`${m.field}\`: ${cell(fmt(m.from))} → ${cell(fmt(m.to))}`);
    if (d.requested.added.length) out.push(`- newly requested: ${d.requested.added.map((n) => `\`${cell(n)}\``).join(', ')}`);
    if (d.requested.removed.length) out.push(`- no longer requested: ${d.requested.removed.map((n) => `\`${cell(n)}\``).join(', ')}`);
  }
  const table = (title: string, head: string[], rows: string[][]) => {
    if (!rows.length) return;
    const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
    out.push('', `#### ${title} (${rows.length})`, '');
    if (rows.length > collapse) out.push('<details><summary>show all</summary>', '', ...lines, '', '</details>');
    else out.push(...lines);
  };
  table('Rebuilt: same version, different bytes', ['package', 'version', 'old sha256', 'new sha256'], d.rebuilt.map((r) => [`\`${cell(r.name)}:${r.arch}\``, cell(r.version), `\`${r.fromSha256.slice(0, 16)}…\``, `\`${r.toSha256.slice(0, 16)}…\``]));
  table('Downgraded', ['package', 'from', 'to', 'why'], d.downgraded.map((c) => [`\`${cell(c.name)}:${c.arch}\``, cell(c.from), cell(c.to), cell(why(c))]));
  table('Upgraded', ['package', 'from', 'to', 'why', ''], d.upgraded.map((c) => [`\`${cell(c.name)}:${c.arch}\``, cell(c.from), cell(c.to), cell(why(c)), link(c.name, c.arch, c.to)]));
  table('Added', ['package', 'version', 'why', ''], d.added.map((p) => [`\`${cell(p.name)}:${p.arch}\``, cell(p.version), cell(why(p)), link(p.name, p.arch, p.version)]));
  table('Removed', ['package', 'version', 'was'], d.removed.map((p) => [`\`${cell(p.name)}:${p.arch}\``, cell(p.version), cell(why(p))]));
  table('Moved: same bytes, new location', ['package', 'version', 'changes'], d.moved.map((m) => [`\`${cell(m.name)}:${m.arch}\``, cell(m.version), cell(m.changes.map((c) => `${c.field}: ${fmt(c.from)} → ${fmt(c.to)}`).join('; '))]));
  table('Sources', ['source', 'change'], [
    ...d.sources.added.map((s) => [`\`${cell(s)}\``, 'added']),
    ...d.sources.removed.map((s) => [`\`${cell(s)}\``, 'removed']),
    ...d.sources.changed.map((s) => [`\`${cell(s.id)}\``, cell(s.changes.map((c) => `${c.field}: ${fmt(c.from)} → ${fmt(c.to)}`).join('; '))]),
  ]);
  return out.join('\n') + '\n';
}
