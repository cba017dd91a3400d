# syntax=docker/dockerfile:1
# One image for the whole platform: SERVICE picks which service a container runs
# (gateway, registry, orchestrator, llm-proxy, guard, audit, apps); the web console runs from the same image
# with `node scripts/serve-web.cjs`.
#   docker build -t portcullis .
#   docker run -e SERVICE=gateway -e ADMIN_TOKEN=… portcullis

ARG NODE_IMAGE=node:24-slim

# Only the package.json files, so the dependency layers below are rebuilt when a manifest changes, not on
# every source edit.
FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY . .
RUN mkdir /manifests \
 && find . \( -name node_modules -o -name dist \) -prune -o -name package.json -print \
    | xargs -I{} cp --parents {} /manifests/

# npm ci refuses a lock that lacks other platforms' optional packages (one written against a registry mirror
# that serves only this platform's); npm install --no-save installs from the same lock without changing it.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY --from=manifests /manifests/ ./
COPY package-lock.json ./
RUN npm ci --no-audit --no-fund || npm install --no-save --no-audit --no-fund
COPY . .
RUN npm run build && npm run build -w @portcullis/web

FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY --from=manifests /manifests/ ./
COPY package-lock.json ./
RUN (npm ci --omit=dev --no-audit --no-fund || npm install --no-save --omit=dev --no-audit --no-fund) \
 && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
# tini as PID 1 reaps the processes the orchestrator spawns and passes signals on; bubblewrap is the sandbox
# of the orchestrator's local runtime.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini bubblewrap \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production
WORKDIR /app
# Files stay owned by root: the service user can read the code but not change it.
COPY --from=prod-deps /app/ ./
COPY --from=build /app/dist/ ./dist/
COPY scripts/serve-web.cjs scripts/serve-web.cjs
ARG SERVICE=
ENV SERVICE=${SERVICE}
USER node
EXPOSE 3000 3001 3002 3003 3004 3005 3006 4200
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["sh", "-c", "test -n \"$SERVICE\" || { echo 'set SERVICE to one of: gateway registry orchestrator llm-proxy guard audit apps' >&2; exit 64; }; exec node \"dist/services/$SERVICE/src/main.js\""]
