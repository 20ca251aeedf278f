import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

export interface HealthReport {
  status: 'ok' | 'error';
  [part: string]: string;
}

/**
 * The HTTP surface of a worker that has no API: `GET /health` for container health checks
 * (200 when healthy, 503 otherwise) and `GET /metrics` for Prometheus.
 */
export async function startOpsServer(
  port: number,
  options: { health: () => Promise<HealthReport>; metrics: Registry },
): Promise<Server> {
  const server = createServer((req, res) => {
    const path = req.url?.split('?')[0];
    if (req.method === 'GET' && path === '/health') {
      options
        .health()
        .catch((): HealthReport => ({ status: 'error' }))
        .then((report) => {
          res.writeHead(report.status === 'ok' ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(report));
        });
      return;
    }
    if (req.method === 'GET' && path === '/metrics') {
      options.metrics
        .metrics()
        .then((text) => res.writeHead(200, { 'content-type': options.metrics.contentType }).end(text))
        .catch(() => res.writeHead(500).end());
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"status":"not found"}');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve());
  });
  return server;
}
