# jumpgate: one image for every role (APP_ROLE=all|api|worker picks what a container runs).
# Build stage: full dependencies to compile; runtime stage: production dependencies only.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# The web app is an npm workspace: npm ci needs its package.json to install it.
COPY web/package.json ./web/
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json openapi.json ./
COPY src ./src
COPY migrations ./migrations
COPY web ./web
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
# The built web app; the server finds it beside web/package.json.
COPY --from=build --chown=node:node /app/web/package.json ./web/
COPY --from=build --chown=node:node /app/web/dist ./web/dist
# Never root: the official image ships an unprivileged `node` user.
USER node
EXPOSE 3000
# Production requires DATABASE_URL, REDIS_URL and ENCRYPTION_KEY; it never starts local services.
CMD ["npm", "start"]
