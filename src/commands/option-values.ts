/**
 * Reading a command's parsed flags (commander's option values) as typed values: each command turns
 * them into its typed options with these, once, in a small parse function (no casts of `opts()`).
 * A value of the wrong type is a bug in the command's flag declaration, not bad input: it throws.
 */
export type OptionValues = Readonly<Record<string, unknown>>;

function wrongType(key: string, want: string, v: unknown): Error {
  return new TypeError(`option ${key}: expected ${want}, got ${typeof v}`);
}

/** A flag that takes a value (`--mtu <bytes>`): the string, or undefined when not given. */
export function optString(o: OptionValues, key: string): string | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw wrongType(key, 'a string', v);
  return v;
}

/** A switch (`--diff`) or a parsed `[bool]` flag: true/false, or undefined when not given. */
export function optBool(o: OptionValues, key: string): boolean | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw wrongType(key, 'a boolean', v);
  return v;
}

/** A repeatable flag (`--env NAME=VALUE`): every value given, in order ([] when none, or undefined without a default). */
export function optList(o: OptionValues, key: string): string[] | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || !v.every((e) => typeof e === 'string')) throw wrongType(key, 'a list of strings', v);
  return [...(v as string[])];
}

/** A flag that is either a string or `--no-...` (false): `--password-secret NAME` / `--no-password-secret`. */
export function optStringOrFalse(o: OptionValues, key: string): string | false | undefined {
  const v = o[key];
  if (v === false) return false;
  if (v === true) return undefined; // commander's default for a --no- flag not given
  return optString(o, key);
}
