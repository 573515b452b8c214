import type { Direction } from './types.js';

/**
 * The one sentence per decision. Kept apart from the math so the wording is
 * consistent: "<what> from A to B: <why>[, <what limited it>]".
 */

export const directionOf = (current: number, target: number): Direction =>
  target > current ? 'up' : target < current ? 'down' : 'none';

/** Scale-in is one pod at a time: each victim drains before the next is chosen. */
export const nextStepOf = (current: number, target: number): number => (target < current ? current - 1 : target);

export function sentence(current: number, target: number, cause: string, qualifier?: string): string {
  const tail = qualifier ? `${cause}, ${qualifier}` : cause;
  if (target > current) return `scaled up from ${current} to ${target}: ${tail}`;
  if (target < current) return `scaling down from ${current} to ${target} one pod at a time (next ${current - 1}): ${tail}`;
  return `no change at ${current}: ${tail}`;
}

export function listNames(names: readonly string[], max = 3): string {
  const shown = names.slice(0, max).join(', ');
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}
