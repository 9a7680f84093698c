const express = require('express');

const app = express();
app.use(express.json());
app.post('/orders', (req, res) => res.status(201).json({ received: req.body }));

const port = Number(process.env.PORT) || 3000;
app.listen(port, () => console.log(`listening on ${port}`));
