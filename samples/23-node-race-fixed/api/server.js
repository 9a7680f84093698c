const express = require('express');

const app = express();
app.use(express.json());
app.post('/orders', (req, res) => res.status(201).json({ received: req.body }));

const port = Number(process.env.PORT) || 3000;
const server = app.listen(port, () => console.log(`listening on ${port}`));
// Longer than nginx's pool keeps idle connections: nginx always closes first.
server.keepAliveTimeout = 75 * 1000;
server.headersTimeout = 76 * 1000;
