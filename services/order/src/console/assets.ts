import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { Router, type Response } from 'express';
import { build } from 'esbuild';

/** Where the console's browser sources live (services/order/console). */
const CONSOLE_DIR = path.join(__dirname, '..', '..', 'console');
const PREFIX = '/console';

const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'; form-action 'self'";

/** Bundles the console's TypeScript in memory; esbuild reports its errors in the rejection, so it logs nothing itself. */
async function bundle(): Promise<string> {
  const result = await build({
    entryPoints: [path.join(CONSOLE_DIR, 'src', 'main.ts')],
    bundle: true,
    write: false,
    format: 'esm',
    target: 'es2022',
    minify: true,
    sourcemap: false,
    logLevel: 'silent',
  });
  const output = result.outputFiles[0];
  if (!output) throw new Error('esbuild produced no output');
  return output.text;
}

/** Computes `load()` once, on first use; a failure is kept too (the sources do not change while the service runs). */
function once<T>(load: () => Promise<T>): () => Promise<T> {
  let promise: Promise<T> | undefined;
  return () => (promise ??= load());
}

/**
 * The operator console's page, script and styles, under /console. The script is bundled from
 * console/src on the first request. Every other path under /console (the JSON API at
 * /console/api, unknown files) is left to the routes after this one.
 */
export function consoleAssets(): Router {
  const script = once(bundle);
  const page = once(() => readFile(path.join(CONSOLE_DIR, 'index.html'), 'utf8'));
  const styles = once(() => readFile(path.join(CONSOLE_DIR, 'styles.css'), 'utf8'));

  const send = async (res: Response, type: string, body: () => Promise<string>, what: string): Promise<void> => {
    let text: string;
    try {
      text = await body();
    } catch (error) {
      res.status(500).type('text/plain; charset=utf-8').set('Cache-Control', 'no-store').send(`Could not prepare the console's ${what}: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    res.set({ 'Content-Type': type, 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' });
    if (type.startsWith('text/html')) res.set({ 'Content-Security-Policy': CSP, 'Referrer-Policy': 'no-referrer', 'X-Frame-Options': 'DENY' });
    res.send(text);
  };

  const router = Router();
  router.use((req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    // The full path, whether this router is mounted at /console or at the root.
    const url = new URL(req.originalUrl, 'http://console.invalid');
    const pathname = url.pathname;
    if (pathname === PREFIX) return res.redirect(301, `${PREFIX}/${url.search}`);
    if (!pathname.startsWith(`${PREFIX}/`)) return next();
    const rest = pathname.slice(PREFIX.length + 1);
    if (rest === 'app.js') return send(res, 'text/javascript; charset=utf-8', script, 'script');
    if (rest === 'styles.css') return send(res, 'text/css; charset=utf-8', styles, 'styles');
    if (rest === 'api' || rest.startsWith('api/') || rest.includes('.')) return next();
    // Routing happens in the page (after the #), so any other path is the page itself.
    return send(res, 'text/html; charset=utf-8', page, 'page');
  });
  return router;
}
