// Who may use `l2caf serve`: the person who started it. Any local user can connect to a loopback
// port, so the port proves nothing. At start the server makes a random sign-in token and prints
// it, inside a URL, to the starting user's terminal only. The first request that brings it is
// answered with the page, a random session id in an HttpOnly, SameSite=Strict cookie and a random
// page key in the page itself, and the token is spent: a URL copied from the terminal later, or
// read from the browser's history, opens nothing. Every request for data must bring the cookie,
// and every API call, upload, event stream and binary fetch the key as well: cookies ignore ports,
// so the browser also sends our cookie to any other server on 127.0.0.1 the user visits (another
// local user's, say), which could replay it; the key lives in the page's storage, which is kept per
// origin (port included), and is never sent to another server.
import { randomBytes, timingSafeEqual } from 'node:crypto';

/** Pure: the cookies of a Cookie header (first value wins, as browsers send the most specific first). */
export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    const name = part.slice(0, i).trim();
    if (!out.has(name)) out.set(name, part.slice(i + 1).trim());
  }
  return out;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class Sessions {
  /** per port: cookies ignore ports, so two servers on one machine must not overwrite each other's */
  readonly cookieName: string;
  private token: string | null;
  /** session id -> its page key */
  private readonly keys = new Map<string, string>();

  constructor(port: number, token = randomBytes(32).toString('base64url')) {
    this.cookieName = `l2caf-session-${port}`;
    this.token = token;
  }

  /** The sign-in URL to print (null once it has been used). */
  signInUrl(base: string): string | null {
    return this.token === null ? null : `${base}?token=${this.token}`;
  }

  /**
   * Spends the sign-in token: the Set-Cookie value of a new session and its page key, or null when
   * `token` is wrong or spent.
   */
  exchange(token: string): { setCookie: string; key: string } | null {
    if (this.token === null || !same(token, this.token)) return null;
    this.token = null;
    const id = randomBytes(32).toString('base64url');
    const key = randomBytes(32).toString('base64url');
    this.keys.set(id, key);
    // no Max-Age: the session ends with the browser (and with this server, which forgets the ids)
    return { setCookie: `${this.cookieName}=${id}; Path=/; HttpOnly; SameSite=Strict`, key };
  }

  /** The page key of the session a request's Cookie header names, or null when it names none of this server's. */
  private keyOf(cookieHeader: string | undefined): string | null {
    const id = parseCookies(cookieHeader).get(this.cookieName);
    if (!id) return null;
    for (const [known, key] of this.keys) if (same(id, known)) return key;
    return null;
  }

  /** Whether a request's Cookie header carries a session of this server. */
  signedIn(cookieHeader: string | undefined): boolean {
    return this.keyOf(cookieHeader) !== null;
  }

  /** Whether a request carries a session of this server and that session's page key. */
  authorised(cookieHeader: string | undefined, key: string | null | undefined): boolean {
    const own = this.keyOf(cookieHeader);
    return own !== null && typeof key === 'string' && same(key, own);
  }
}

/**
 * Pure: whether a request says it comes from another page. Fetch Metadata: a page on another port
 * of 127.0.0.1 is "same-site" to cookies, so SameSite alone would let it send ours; only
 * 'same-origin' and 'none' (the user's own navigation) pass, and a header sent twice (Node joins
 * the values with ", ") passes neither. Origin, where a request has one, must be this server's
 * own (`origins`); 'null' (sandboxed frames, file: pages) is another page too. Requests without
 * either header (older browsers, non-browser clients) pass: they still need the cookie and the key.
 */
export function fromAnotherPage(secFetchSite: string | string[] | undefined, origin: string | string[] | undefined, origins: readonly string[]): boolean {
  if (secFetchSite !== undefined && !(typeof secFetchSite === 'string' && (secFetchSite === 'same-origin' || secFetchSite === 'none'))) return true;
  if (origin !== undefined && !(typeof origin === 'string' && origins.includes(origin))) return true;
  return false;
}
