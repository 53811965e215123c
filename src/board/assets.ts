/**
 * The page's files (src/board/page/, copied to dist/board/page/ by the build and shipped in
 * the package): read once, served from memory with their type, a strict Content-Security-Policy
 * (nothing but this origin's own scripts, styles and stream; no inline script, no frames) and
 * headers that keep the page out of caches, other sites' frames and other sites' referrers.
 */
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';

/** The files the page is made of, by URL path. */
const FILES = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/board/board.css': { file: 'board.css', type: 'text/css; charset=utf-8' },
  '/board/render.js': { file: 'render.js', type: 'text/javascript; charset=utf-8' },
  '/board/live.js': { file: 'live.js', type: 'text/javascript; charset=utf-8' },
  '/board/icon.svg': { file: 'icon.svg', type: 'image/svg+xml' },
} as const;

export const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
  "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const PAGE_DIR = new URL('./page/', import.meta.url);
const cache = new Map<string, Buffer>();

/** A page file's bytes (read once). */
export function pageFile(name: string): Buffer {
  let bytes = cache.get(name);
  if (bytes === undefined) {
    bytes = readFileSync(new URL(name, PAGE_DIR));
    cache.set(name, bytes);
  }
  return bytes;
}

export function isAsset(path: string): path is keyof typeof FILES {
  return Object.hasOwn(FILES, path);
}

/** The headers every board answer carries. */
export function securityHeaders(res: ServerResponse): void {
  res.setHeader('Content-Security-Policy', PAGE_CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  res.setHeader('Cache-Control', 'no-store');
}

export function serveAsset(path: keyof typeof FILES, res: ServerResponse): void {
  const { file, type } = FILES[path];
  const bytes = pageFile(file);
  securityHeaders(res);
  res.statusCode = 200;
  res.setHeader('Content-Type', type);
  res.setHeader('Content-Length', bytes.length);
  res.end(bytes);
}

/** The total bytes of the page (HTML, CSS, scripts): its weight before compression. */
export function pageWeight(): number {
  return Object.values(FILES).reduce((sum, { file }) => sum + pageFile(file).length, 0);
}
