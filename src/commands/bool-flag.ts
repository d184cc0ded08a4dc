/**
 * `--wait=false`, `--watch=false`: commander has no `=false` for booleans, so these flags take an
 * optional value. A module of its own: the commands that only watch do not load the rendering code.
 */
import { usageError } from '../errors.js';

export function parseBool(flag: string): (value: string | undefined) => boolean {
  return (value) => {
    if (value === undefined || value === 'true' || value === '1' || value === 'yes') return true;
    if (value === 'false' || value === '0' || value === 'no') return false;
    throw usageError(`${flag} takes true or false, not "${value}"`);
  };
}
