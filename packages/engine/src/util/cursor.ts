/** Page cursors of the case list and supervision: an opaque token naming a global position. */
export const encodeCursor = (position: number): string => Buffer.from(`p:${position}`).toString('base64url');

export function decodeCursor(cursor: string): number {
  const text = Buffer.from(cursor, 'base64url').toString();
  const m = /^p:(\d+)$/.exec(text);
  if (!m) throw new Error('invalid cursor');
  return Number(m[1]);
}
