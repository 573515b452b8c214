import { createHash, timingSafeEqual } from 'node:crypto';

/** Where the bearer token for mutating routes comes from. */
export interface TokenSource {
  /** The token now, or undefined when mutating routes are disabled. */
  current(): string | undefined;
}

export interface FileReader {
  stat(path: string): { mtimeMs: number; size: number } | undefined;
  read(path: string): string;
}

/**
 * Reads the token from a mounted file (a Kubernetes Secret) and re-reads it
 * whenever the file changes, so a rotated Secret takes effect without a
 * restart. An unreadable or empty file disables mutating routes (fail closed).
 */
export class FileTokenSource implements TokenSource {
  #stamp = '';
  #token: string | undefined;

  constructor(
    private readonly path: string,
    private readonly files: FileReader,
  ) {}

  current(): string | undefined {
    if (this.path === '') return undefined;
    const st = this.files.stat(this.path);
    if (!st) return (this.#token = undefined);
    const stamp = `${st.mtimeMs}:${st.size}`;
    if (stamp !== this.#stamp) {
      this.#stamp = stamp;
      try {
        const text = this.files.read(this.path).trim();
        this.#token = text === '' ? undefined : text;
      } catch {
        this.#token = undefined;
      }
    }
    return this.#token;
  }
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/**
 * Checks an Authorization header against the token in constant time (the
 * digests have equal length, so timingSafeEqual never leaks the length).
 * Returns a reason when the request must be refused.
 */
export function checkBearer(header: string | undefined, source: TokenSource): { status: 401 | 403 | 503; reason: string } | undefined {
  const token = source.current();
  if (token === undefined) return { status: 503, reason: 'mutating routes are disabled: no token configured (VNF_AGENT_TOKEN_FILE)' };
  const match = /^Bearer (\S+)$/.exec(header ?? '');
  if (!match?.[1]) return { status: 401, reason: 'missing bearer token' };
  return timingSafeEqual(digest(match[1]), digest(token)) ? undefined : { status: 403, reason: 'invalid bearer token' };
}
