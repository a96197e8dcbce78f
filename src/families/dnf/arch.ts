/**
 * Which package architectures a machine of a given architecture installs, and in what preference,
 * as libsolv's arch policies for rpm (poolarch.c) say: groups separated by ':' there are separate
 * "colors" (x86_64 and i686 may sit side by side, multilib); noarch goes with everything.
 */

const POLICIES: Record<string, string[][]> = {
  x86_64: [['x86_64'], ['i686', 'i586', 'i486', 'i386']],
  i686: [['i686', 'i586', 'i486', 'i386']],
  aarch64: [['aarch64']],
  ppc64le: [['ppc64le']],
  s390x: [['s390x']],
  riscv64: [['riscv64']],
  armv7hl: [['armv7hl', 'armv7hnl', 'armv6hl']],
};

export interface ArchPolicy {
  /** True for every installable architecture (noarch included). */
  compatible(arch: string): boolean;
  /** Lower is better; noarch is 0. Packages of another color have scores from another thousand. */
  score(arch: string): number;
  /** Color group (0 for noarch, which matches every color). */
  color(arch: string): number;
}

export function knownArches(): string[] {
  return Object.keys(POLICIES);
}

export function archPolicy(native: string): ArchPolicy | undefined {
  const groups = POLICIES[native];
  if (!groups) return undefined;
  const score = new Map<string, number>([['noarch', 0]]);
  groups.forEach((g, c) => g.forEach((a, i) => score.set(a, (c + 1) * 1000 + i)));
  return {
    compatible: (a) => score.has(a),
    score: (a) => score.get(a) ?? Infinity,
    color: (a) => Math.floor((score.get(a) ?? -1000) / 1000),
  };
}
