const PLACEHOLDER = /\{([^{}]+)\}/g;

/** The user-config fields a `{field}` template refers to, in order, without repeats. */
export function templateFields(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1]))];
}

/** Whether `text` is exactly one placeholder, e.g. `{API_KEY}`; returns its field. */
export function soleField(text: string): string | undefined {
  const match = /^\{([^{}]+)\}$/.exec(text);
  return match?.[1];
}
