/**
 * The API token lives in sessionStorage only: gone when the tab closes, never in a URL or a cookie, and
 * sent by the console itself in the Authorization header.
 */
const KEY = 'ferry.token';

export function storedToken(): string | undefined {
  return sessionStorage.getItem(KEY) ?? undefined;
}

export function storeToken(token: string): void {
  sessionStorage.setItem(KEY, token);
}

export function forgetToken(): void {
  sessionStorage.removeItem(KEY);
}
