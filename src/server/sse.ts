// Server-sent events: the service's events to every connected page. A heartbeat comment keeps
// proxies and the browser from timing the connection out; closed connections unsubscribe.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Service } from '../service/service.js';

export function serveEvents(service: Service, req: IncomingMessage, res: ServerResponse, heartbeatMs = 15_000): void {
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  res.write(': connected\n\n');
  const off = service.onEvent((e) => {
    res.write(`data: ${JSON.stringify(e)}\n\n`);
  });
  const beat = setInterval(() => res.write(': ping\n\n'), heartbeatMs);
  const close = () => {
    clearInterval(beat);
    off();
  };
  req.on('close', close);
  res.on('error', close);
}
