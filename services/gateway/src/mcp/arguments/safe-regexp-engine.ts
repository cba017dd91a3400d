import type { RegExpEngine, RegExpLike } from 'ajv/dist/types';
import { RE2JS } from 're2js';
import safeRegex from 'safe-regex2';

/**
 * The regular-expression engine ajv uses for `pattern` and `patternProperties` in upstream tool schemas.
 *
 * Tool schemas come from servers we do not control, and arguments from clients: a pattern such as `^(a+)+$` with
 * JavaScript's backtracking engine lets one request pin a gateway core for hours. RE2 matches in linear time, so it
 * is used whenever it understands the pattern. It does not support lookaround or backreferences; those patterns fall
 * back to the native engine only when safe-regex2 finds no nested quantifier, and are refused otherwise (the tool's
 * schema is then reported as unusable rather than validated unsafely).
 */
export const safeRegExpEngine: RegExpEngine = Object.assign(compileSafeRegExp, {
  // Only read by ajv's standalone code generation, which the gateway does not use.
  code: 'safeRegExpEngine',
});

function compileSafeRegExp(pattern: string, flags: string): RegExpLike {
  const re2Pattern = toRe2Syntax(pattern);
  if (re2Pattern !== undefined) {
    try {
      const re2 = RE2JS.compile(re2Pattern);
      // ajv caches compiled patterns by toString(): it must identify the pattern.
      const matcher = { test: (input: string) => re2.test(input), toString: () => `/${pattern}/${flags}` };
      return matcher;
    } catch {
      // Lookaround, backreferences or other syntax RE2 lacks: try the guarded native engine below.
    }
  }
  if (!safeRegex(pattern)) {
    throw new Error(`pattern ${JSON.stringify(pattern)} could take exponential time to match and is not supported`);
  }
  return new RegExp(pattern, flags);
}

/**
 * ECMAScript `\uXXXX` and `\u{X…}` escapes, common in JSON Schema patterns, written the RE2 way (`\x{…}`). Returns
 * undefined for a UTF-16 surrogate escape, which has no RE2 equivalent.
 */
function toRe2Syntax(pattern: string): string | undefined {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i];
    if (char !== '\\') {
      out += char;
      continue;
    }
    const escape = /^u(?:\{([0-9a-fA-F]{1,6})\}|([0-9a-fA-F]{4}))/.exec(pattern.slice(i + 1));
    if (escape) {
      const hex = escape[1] ?? escape[2];
      const code = parseInt(hex, 16);
      if (code >= 0xd800 && code <= 0xdfff) return undefined;
      out += `\\x{${hex}}`;
      i += escape[0].length;
      continue;
    }
    out += char + (pattern[i + 1] ?? '');
    i++;
  }
  return out;
}
