/**
 * POSIX sh quoting for generated scripts (Dockerfile RUN lines). Values from a lock are validated
 * before they get here, but quoting is what makes a value inert, so every interpolation goes
 * through shQuote. Control characters are refused outright: a newline cannot be quoted safely in
 * a line-oriented format like a Dockerfile, whatever the shell would do with it.
 */

const PLAIN = /^[A-Za-z0-9_@%+=:,./-]+$/;

export function shQuote(s: string): string {
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(s)) throw new Error(`shQuote: control character in ${JSON.stringify(s)}`);
  if (PLAIN.test(s) && !s.startsWith('-')) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** `cmd arg…` with each argument quoted, wrapped one argument per continuation line when long. */
export function shCommand(cmd: string, args: string[], indent = '      ', width = 100): string {
  const q = args.map(shQuote);
  const flat = [cmd, ...q].join(' ');
  if (flat.length <= width) return flat;
  return [cmd, ...q].join(` \\\n${indent}`);
}
