import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { consoleAssets } from '../src/console/assets';

describe('the console assets', () => {
  let server: Server;
  let base: string;

  beforeAll(async () => {
    const app = express();
    app.use('/console', consoleAssets());
    app.get('/console/api/overview', (_req, res) => {
      res.json({ from: 'the api' });
    });
    app.use((_req, res) => {
      res.status(404).type('text/plain').send('not found');
    });
    server = await new Promise<Server>((resolve) => {
      const listening = app.listen(0, () => resolve(listening));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('serves the page with a strict content security policy and no caching', async () => {
    const res = await fetch(`${base}/console/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toBe(
      "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'; form-action 'self'",
    );
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await res.text();
    expect(html).toContain('<script type="module" src="/console/app.js">');
    expect(html).not.toMatch(/https?:\/\//);
  });

  it('serves the page for any path without a dot, since routing happens after the #', async () => {
    const res = await fetch(`${base}/console/sagas`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<title>Saga console</title>');
  });

  it('bundles the script, once, as non-empty JavaScript', async () => {
    const first = await fetch(`${base}/console/app.js`);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(first.headers.get('x-content-type-options')).toBe('nosniff');
    const script = await first.text();
    expect(script.length).toBeGreaterThan(1000);
    expect(script).toContain('saga-console-token');
    expect(await (await fetch(`${base}/console/app.js`)).text()).toBe(script);
  }, 30_000);

  it('serves the styles as CSS', async () => {
    const res = await fetch(`${base}/console/styles.css`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect((await res.text()).length).toBeGreaterThan(0);
  });

  it('redirects /console to /console/', async () => {
    const res = await fetch(`${base}/console`, { redirect: 'manual' });
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe('/console/');
  });

  it('leaves unknown files and the JSON API to the routes after it', async () => {
    expect((await fetch(`${base}/console/nothing.png`)).status).toBe(404);
    const api = await fetch(`${base}/console/api/overview`);
    expect(api.status).toBe(200);
    expect(await api.json()).toEqual({ from: 'the api' });
    expect((await fetch(`${base}/console/api/unknown`)).status).toBe(404);
  });
});
