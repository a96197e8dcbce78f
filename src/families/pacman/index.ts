/** The pacman family adapter (Arch Linux). */
import type { Family } from '../family.js';
import { lockPacman } from './lock.js';
import { vercmp } from './version.js';

export const pacman: Family = {
  name: 'pacman',
  compareVersions: vercmp,
  lock: lockPacman,
};
