// Some layers (live rules, the language server, the live commands) may be missing from a build
// while they are written. Importing them through here tells "not there" from "broken".

/**
 * True when `e` says the module whose path ends in `hint` is itself missing — not one of its
 * imports, which is a real error worth showing.
 */
export function isMissingModule(e: unknown, hint: string): boolean {
  if (!(e instanceof Error)) return false;
  const code = (e as NodeJS.ErrnoException).code;
  const missing = code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || /Cannot find module|Failed to load url|Does the file exist/i.test(e.message);
  if (!missing) return false;
  const tail = hint.replace(/^(\.\.?\/)+/, '').replace(/\.js$/, '');
  return e.message.includes(tail) || e.message.includes(tail.replace(/\//g, '\\'));
}

/**
 * Run `load` (a dynamic import of the module whose specifier ends in `hint`); undefined when
 * that module does not exist.
 */
export async function importOptional<T>(load: () => Promise<unknown>, hint: string): Promise<T | undefined> {
  try {
    return (await load()) as T;
  } catch (e) {
    if (isMissingModule(e, hint)) return undefined;
    throw e;
  }
}
