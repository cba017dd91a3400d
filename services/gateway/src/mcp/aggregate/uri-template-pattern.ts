/** What each RFC 6570 operator can expand to; `{id}` (no operator) never crosses a `/`, `?` or `#`. */
const EXPANSIONS: Record<string, string> = {
  '': '[^/?#]*',
  '+': '[^#]*',
  '#': '(?:#.*)?',
  '.': '(?:\\.[^/?#]*)*',
  '/': '(?:/[^/?#]*)*',
  ';': '(?:;[^/?#]*)*',
  '?': '(?:\\?[^#]*)?',
  '&': '(?:&[^#]*)*',
};

const escape = (literal: string) => literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A pattern matching every URI a resource template (RFC 6570) can expand to, so the aggregated view can tell which
 * server serves `test://template/42/data` from its `test://template/{id}/data`. Permissive inside expressions (what
 * a variable holds is the server's business), exact outside them. Undefined for a malformed template.
 */
export function uriTemplatePattern(template: string): RegExp | undefined {
  let source = '';
  let rest = template;
  while (rest.length > 0) {
    const open = rest.indexOf('{');
    if (open === -1) {
      if (rest.includes('}')) return undefined;
      source += escape(rest);
      break;
    }
    const close = rest.indexOf('}', open);
    const literal = rest.slice(0, open);
    if (close === -1 || literal.includes('}')) return undefined;
    const expression = rest.slice(open + 1, close);
    const operator = /^[+#./;?&]/.test(expression) ? expression[0] : '';
    if (expression.length === operator.length) return undefined;
    source += escape(literal) + EXPANSIONS[operator];
    rest = rest.slice(close + 1);
  }
  return new RegExp(`^${source}$`);
}
