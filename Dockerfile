# Image for Perennial's API and worker (see docker-compose.yml); the command picks the process.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
# A container's port is reached from outside it only on its own interface; publishing the port is the choice.
ENV API_HOST=0.0.0.0
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY tsconfig.json ./
COPY src ./src
COPY migrations ./migrations
COPY scripts ./scripts
USER node
EXPOSE 3000
CMD ["npm", "run", "api"]
