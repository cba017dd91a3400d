/** `fetch` that returns status and parsed JSON (or text), with a timeout so a test never hangs on a dead port. */
export async function httpJson<T = unknown>(
  url: string,
  init: RequestInit & { token?: string; timeoutMs?: number } = {},
): Promise<{ status: number; headers: Headers; body: T }> {
  const headers = new Headers(init.headers);
  if (init.token) headers.set('Authorization', `Bearer ${init.token}`);
  const response = await fetch(url, { ...init, headers, signal: AbortSignal.timeout(init.timeoutMs ?? 5_000) });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, headers: response.headers, body: body as T };
}

/** Polls until `check` returns true or the deadline passes; returns whether it did. */
export async function eventually(check: () => Promise<boolean>, timeoutMs: number, intervalMs = 200): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
