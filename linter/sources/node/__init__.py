"""Node.js servers (http, Express, Fastify, NestJS, Next.js) read from their JS/TS source."""
