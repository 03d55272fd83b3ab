/** `Name: message`, short enough for a header, a log line or /health. */
export function describeError(error: unknown): string {
  const e = error as { name?: unknown; message?: unknown } | null;
  const text = e && typeof e.message === 'string' ? `${typeof e.name === 'string' ? e.name : 'Error'}: ${e.message}` : String(error);
  return text.length > 500 ? `${text.slice(0, 497)}...` : text;
}

