# One image for the three services: `--build-arg SERVICE=order|inventory|billing`.
# Services run from TypeScript sources through tsx, as `npm start` does (docs/adr/0007).
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY shared/package.json shared/
COPY services/order/package.json services/order/
COPY services/inventory/package.json services/inventory/
COPY services/billing/package.json services/billing/
COPY tools/dlq/package.json tools/dlq/
RUN npm ci --no-audit --no-fund

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=deps /app/node_modules ./node_modules
COPY . .
ARG SERVICE
ENV SERVICE=${SERVICE}
USER node
CMD ["sh", "-c", "exec node --import tsx services/${SERVICE}/src/main.ts"]
