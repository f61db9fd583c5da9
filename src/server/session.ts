// Who may use `l2caf serve`: the person who started it. Any local user can connect to a loopback
// port, so the port proves nothing. At start the server makes a random sign-in token and prints
// it, inside a URL, to the starting user's terminal only. The first request that brings it is
// answered with a random session id in an HttpOnly, SameSite=Strict cookie (script on a page cannot
// read it, other sites' requests do not carry it) and the token is spent: a URL copied from
// the terminal later, or read from the browser's history, opens nothing. Every request for data
// must bring the cookie.
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
  private readonly ids = new Set<string>();

  constructor(port: number, token = randomBytes(32).toString('base64url')) {
    this.cookieName = `l2caf-session-${port}`;
    this.token = token;
  }

  /** The sign-in URL to print (null once it has been used). */
  signInUrl(base: string): string | null {
    return this.token === null ? null : `${base}?token=${this.token}`;
  }

  /** Spends the sign-in token: the Set-Cookie value of a new session, or null when `token` is wrong or spent. */
  exchange(token: string): string | null {
    if (this.token === null || !same(token, this.token)) return null;
    this.token = null;
    const id = randomBytes(32).toString('base64url');
    this.ids.add(id);
    // no Max-Age: the session ends with the browser (and with this server, which forgets the ids)
    return `${this.cookieName}=${id}; Path=/; HttpOnly; SameSite=Strict`;
  }

  /** Whether a request's Cookie header carries a session of this server. */
  signedIn(cookieHeader: string | undefined): boolean {
    const id = parseCookies(cookieHeader).get(this.cookieName);
    if (!id) return false;
    for (const known of this.ids) if (same(id, known)) return true;
    return false;
  }
}

/**
 * Pure: whether a browser says the request comes from another page (Fetch Metadata). A page on
 * another port of 127.0.0.1 is "same-site" to cookies, so SameSite alone would let it send ours;
 * this refuses it. Requests without the header (older browsers, non-browser clients) pass: they
 * still need the cookie.
 */
export function fromAnotherPage(secFetchSite: string | string[] | undefined): boolean {
  const v = Array.isArray(secFetchSite) ? secFetchSite[0] : secFetchSite;
  return v === 'cross-site' || v === 'same-site';
}
