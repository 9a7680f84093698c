// Backend half of the Node.js e2e race (tests/e2e/test_e2e_servers.py): keepAliveTimeout
// scaled down to 2s so the race fires within a test run.
const http = require('http');

const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': 5 });
    res.end('pong\n');
  });
});
server.keepAliveTimeout = 2000;
server.listen(8090, '10.77.7.2');
