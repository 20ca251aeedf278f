import { createServer, type Server } from 'node:http';

export interface HealthReport {
  status: 'ok' | 'error';
  [part: string]: string;
}

/** A bare `GET /health` for container health checks: 200 with the report when healthy, 503 otherwise. */
export async function startHealthServer(port: number, check: () => Promise<HealthReport>): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/health') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"status":"not found"}');
      return;
    }
    check()
      .catch((): HealthReport => ({ status: 'error' }))
      .then((report) => {
        res.writeHead(report.status === 'ok' ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(report));
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve());
  });
  return server;
}
